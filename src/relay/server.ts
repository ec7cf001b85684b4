/**
 * The relay server: watches `<spool>/requests/` with `Deno.watchFs`, claims
 * each request file by renaming it to `.work`, dispatches it, and writes the
 * response file atomically. Requests run concurrently, so an agent parked in
 * a relay long-poll never delays anyone else. A startup sweep picks up files
 * written while the relay was down, and a slow rescan catches anything a file
 * system failed to report. Links are never followed out of the spool.
 *
 * @module
 */

import { join } from "../path.ts";
import {
  errorEnvelope,
  isSafeName,
  parseRequest,
  RELAY_STATUS,
  type RelayRequest,
  type RelayResponse,
  SpoolLayout,
  writeJsonAtomic,
} from "./spool.ts";
import { safeAgentId } from "../protocol.ts";
import { type Clock, systemClock, toIso } from "../time.ts";
import { every, type Repeating } from "../timers.ts";

/** What a dispatched request came back with. */
export interface Dispatched {
  status: number;
  body: unknown;
}

/** Sends one relay request to a hub. `agentDir` is the spool directory it came from. */
export type Dispatch = (
  request: RelayRequest,
  agentDir: string,
) => Promise<Dispatched>;

/** Options for {@linkcode RelayServer}. */
export interface RelayOptions {
  /** The spool directory (absolute). */
  spoolDir: string;
  /** How requests reach the hub. */
  dispatch: Dispatch;
  /** Where log lines go. @default nothing */
  log?: (line: string) => void;
  /** Safety-net rescan interval, in ms. @default 2000 */
  rescanMs?: number;
  /** Largest request file read, in bytes. @default 16 MiB */
  maxFileBytes?: number;
  /** Most requests dispatched at once; the rest wait their turn. @default 1024 */
  maxConcurrent?: number;
  /** Delete `.work` and response files older than this many seconds; keep them when unset. */
  retentionSec?: number;
  /** Called with the seconds from claiming each request to writing its answer. */
  observe?: (seconds: number) => void;
  /**
   * The storage the requests end up in: `id` is the same for every hub on
   * one database (the instance id), `label` names it for people. Set, the
   * relay refuses a spool that a live relay of another storage serves.
   * @default unset: no check
   */
  storage?: { id: string; label: string };
  /** Stamps responses and heartbeats and ages spool files. @default the system clock */
  clock?: Clock;
}

/** Folder in the spool holding one heartbeat record per live relay. */
export const OWNERS_DIR = ".relay-owners";
const LEGACY_OWNER_FILE = ".relay-owner.json";

/** One relay's heartbeat record (`<spool>/.relay-owners/<id>.json`). */
export interface OwnerRecord {
  id: string;
  pid: number;
  /** Milliseconds since the epoch of the last heartbeat. */
  at: number;
  /** The instance id of the hub's storage, when the relay runs inside a hub. */
  storage_id?: string;
  /** The storage for people: a file path, or a database URL without password. */
  storage?: string;
}

/** A live relay whose hub stores elsewhere already serves the spool (a setting to change, hence a `RangeError`). */
export class SpoolConflictError extends RangeError {
  constructor(spool: string, owner: OwnerRecord, staleMs: number) {
    super(
      `Cannot serve the relay spool ${spool} as the hub with storage ${
        owner.storage ?? owner.storage_id
      } (pid ${owner.pid}) serves it: relay requests would be split between two databases; give this hub its own spool with --spool-dir DIR (or --no-relay), or stop the other hub (a spool whose relay has been silent for ${
        Math.round(staleMs / 1000)
      } s is taken over)`,
    );
    this.name = "SpoolConflictError";
  }
}

/** Counters for metrics and tests. */
export interface RelayStats {
  processed: number;
  failed: number;
  inFlight: number;
  queued: number;
}

/** See the module doc. */
export class RelayServer implements AsyncDisposable {
  readonly layout: SpoolLayout;
  #dispatch: Dispatch;
  #log: (line: string) => void;
  #rescanMs: number;
  #maxFileBytes: number;
  #maxConcurrent: number;
  #retentionSec: number | undefined;
  #observe: ((seconds: number) => void) | undefined;
  #storage: { id: string; label: string } | undefined;
  #clock: Clock;
  #watcher: Deno.FsWatcher | undefined;
  #watchedIno: number | null | undefined;
  #rescanTimer: Repeating | undefined;
  #queue: [string, string][] = [];
  #queued = new Set<string>();
  #running = new Set<Promise<void>>();
  #warned = new Set<string>();
  #lastRetention = 0;
  #closed = false;
  #ownerId = crypto.randomUUID();
  #stats = { processed: 0, failed: 0 };

  constructor(options: RelayOptions) {
    this.layout = new SpoolLayout(options.spoolDir);
    this.#dispatch = options.dispatch;
    this.#log = options.log ?? (() => {});
    this.#rescanMs = options.rescanMs ?? 2000;
    this.#maxFileBytes = options.maxFileBytes ?? 16 * 1024 * 1024;
    this.#maxConcurrent = options.maxConcurrent ?? 1024;
    this.#retentionSec = options.retentionSec;
    this.#observe = options.observe;
    this.#storage = options.storage;
    this.#clock = options.clock ?? systemClock;
  }

  /** Current counters. */
  get stats(): RelayStats {
    return {
      ...this.#stats,
      inFlight: this.#running.size,
      queued: this.#queue.length,
    };
  }

  /** Creates the spool, answers what was left behind, and starts watching. */
  async start(): Promise<void> {
    await this.#ensureDirs();
    // Only a relay that stopped without closing leaves claimed requests unanswered.
    if (await this.#heartbeat() === "unclean") await this.#answerAbandoned();
    this.#watch();
    await this.#sweep();
    this.#rescanTimer = every(this.#rescanMs, () => {
      this.#rescan().catch((e) => this.#log(`relay rescan failed: ${e}`));
    });
  }

  /** Stops watching and waits for requests already dispatched. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#rescanTimer?.stop();
    this.#watcher?.close();
    this.#queue = [];
    this.#queued.clear();
    await Promise.allSettled([...this.#running]);
    await Deno.remove(this.#ownerPath).catch(() => {});
  }

  get #ownersDir(): string {
    return join(this.layout.root, OWNERS_DIR);
  }

  get #ownerPath(): string {
    return join(this.#ownersDir, `${this.#ownerId}.json`);
  }

  /** Every relay's owner record in the spool, with the file each came from. */
  #readOwners(): { path: string; record: OwnerRecord }[] {
    const found: { path: string; record: OwnerRecord }[] = [];
    const read = (path: string) => {
      try {
        const v = JSON.parse(Deno.readTextFileSync(path));
        if (typeof v.id === "string" && typeof v.at === "number") {
          found.push({ path, record: v });
        }
      } catch { /* gone, half written or not ours */ }
    };
    // Written by earlier versions, which kept one record for the whole spool.
    read(join(this.layout.root, LEGACY_OWNER_FILE));
    try {
      for (const entry of Deno.readDirSync(this.#ownersDir)) {
        if (entry.isFile && entry.name.endsWith(".json")) {
          read(join(this.#ownersDir, entry.name));
        }
      }
    } catch { /* no relay has written one yet */ }
    return found;
  }

  /**
   * Keeps this relay's record in `.relay-owners/` fresh. Several relays may
   * serve one spool if their hubs share one storage (the rename claim keeps
   * each request to one of them); a live relay whose hub stores elsewhere
   * makes this one refuse, since requests would be split between two
   * databases. A record gone stale belongs to a relay that stopped without
   * closing: it is removed, and what that relay had claimed gets answered.
   *
   * @returns "clean" (nobody crashed) or "unclean" (a relay stopped without closing)
   * @throws {SpoolConflictError} when a live relay of another storage serves the spool
   */
  async #heartbeat(): Promise<"clean" | "unclean"> {
    const stale = 5 * this.#rescanMs + 5000;
    let state: "clean" | "unclean" = "clean";
    for (const { path, record } of this.#readOwners()) {
      if (record.id === this.#ownerId) continue;
      if (this.#clock.now() - record.at >= stale) {
        state = "unclean";
        await Deno.remove(path).catch(() => {});
        continue;
      }
      const mine = this.#storage?.id;
      if (
        mine !== undefined && typeof record.storage_id === "string" &&
        record.storage_id !== mine
      ) {
        throw new SpoolConflictError(this.layout.root, record, stale);
      }
    }
    await Deno.mkdir(this.#ownersDir, { recursive: true }).catch(() => {});
    await writeJsonAtomic(
      this.#ownerPath,
      {
        id: this.#ownerId,
        pid: Deno.pid,
        at: this.#clock.now(),
        ...(this.#storage
          ? { storage_id: this.#storage.id, storage: this.#storage.label }
          : {}),
      } satisfies OwnerRecord,
    ).catch(() => {});
    return state;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #ensureDirs(): Promise<void> {
    await Deno.mkdir(this.layout.requests, { recursive: true });
    await Deno.mkdir(this.layout.responses, { recursive: true });
  }

  #watch(): void {
    let watcher: Deno.FsWatcher;
    try {
      watcher = Deno.watchFs(this.layout.requests, { recursive: true });
    } catch (error) {
      this.#log(`relay watch failed, relying on rescans: ${error}`);
      return;
    }
    this.#watcher = watcher;
    this.#watchedIno = inode(this.layout.requests);
    (async () => {
      try {
        for await (const event of watcher) {
          for (const path of event.paths) this.#onPath(path);
        }
      } catch (error) {
        if (!this.#closed) this.#log(`relay watcher stopped: ${error}`);
      }
    })();
  }

  #onPath(path: string): void {
    const prefix = this.layout.requests + "/";
    if (!path.startsWith(prefix)) return;
    const parts = path.slice(prefix.length).split("/");
    if (parts.length === 2) {
      this.#enqueue(parts[0]!, parts[1]!);
    } else if (parts.length === 1 && parts[0]) {
      // A new agent directory: files may land before its watch is in place.
      this.#sweepAgent(parts[0]).catch(() => {});
    }
  }

  #enqueue(agentDir: string, name: string): void {
    if (this.#closed || !name.endsWith(".json") || name.startsWith(".")) return;
    const key = `${agentDir}/${name}`;
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push([agentDir, name]);
    this.#pump();
  }

  #pump(): void {
    while (this.#running.size < this.#maxConcurrent && this.#queue.length) {
      const [agentDir, name] = this.#queue.shift()!;
      const task = this.#handle(agentDir, name)
        .catch((e) => {
          this.#stats.failed++;
          this.#log(`relay request ${agentDir}/${name} failed: ${e}`);
        })
        .finally(() => {
          this.#queued.delete(`${agentDir}/${name}`);
          this.#running.delete(task);
          this.#pump();
        });
      this.#running.add(task);
    }
  }

  async #sweep(): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(this.layout.requests));
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory) await this.#sweepAgent(entry.name);
      else if (entry.isSymlink) this.#warnOnce(entry.name);
    }
  }

  async #sweepAgent(agentDir: string): Promise<void> {
    const dir = this.layout.requestDir(agentDir);
    const info = await Deno.lstat(dir).catch(() => undefined);
    if (!info) return;
    if (info.isSymlink) return this.#warnOnce(agentDir);
    if (!info.isDirectory) return;
    for await (const entry of Deno.readDir(dir)) {
      this.#enqueue(agentDir, entry.name);
    }
  }

  #warnOnce(agentDir: string): void {
    if (this.#warned.has(agentDir)) return;
    this.#warned.add(agentDir);
    this.#log(
      `relay ignores requests/${agentDir}: it is a symbolic link, and the relay never follows links out of the spool`,
    );
  }

  async #rescan(): Promise<void> {
    if (this.#closed) return;
    await this.#ensureDirs();
    let state: "clean" | "unclean";
    try {
      state = await this.#heartbeat();
    } catch (error) {
      if (!(error instanceof SpoolConflictError)) throw error;
      // This relay was taken for dead (its heartbeat lapsed) and another
      // hub's relay took the spool over: leave it to that one.
      this.#log(`relay stopped: ${error.message}`);
      await this.close();
      return;
    }
    if (state === "unclean") await this.#answerAbandoned();
    // The requests directory was replaced (deleted and made again): watch the new one.
    if (inode(this.layout.requests) !== this.#watchedIno) {
      this.#watcher?.close();
      this.#watch();
    }
    await this.#sweep();
    if (
      this.#retentionSec !== undefined &&
      this.#clock.now() - this.#lastRetention > 60_000
    ) {
      this.#lastRetention = this.#clock.now();
      await this.#applyRetention(this.#retentionSec * 1000);
    }
  }

  async #handle(agentDir: string, name: string): Promise<void> {
    const requestId = name.slice(0, -".json".length);
    const dirInfo = await Deno.lstat(this.layout.requestDir(agentDir)).catch(
      () => undefined,
    );
    if (!dirInfo?.isDirectory) {
      if (dirInfo?.isSymlink) this.#warnOnce(agentDir);
      return;
    }
    const requestPath = join(this.layout.requestDir(agentDir), name);
    const workPath = requestPath.slice(0, -".json".length) + ".work";
    const info = await Deno.lstat(requestPath).catch(() => undefined);
    if (!info || info.isDirectory) return;
    try {
      await Deno.rename(requestPath, workPath);
    } catch {
      return; // Gone, or claimed by another relay.
    }
    const claimedAt = performance.now();
    const replyDir = isSafeName(agentDir) ? agentDir : safeAgentId(agentDir);
    const fail = (status: number, error: string) =>
      this.#respond(
        replyDir,
        errorEnvelope(requestId, status, error, this.#clock),
      );
    if (!isSafeName(agentDir)) {
      return await fail(
        RELAY_STATUS.invalidRequest,
        `invalid relay request: agent directory '${agentDir}' is not a safe name (use letters, digits, '.', '_' and '-')`,
      );
    }
    if (info.isSymlink) {
      return await fail(
        RELAY_STATUS.invalidRequest,
        "invalid relay request: the request file is a symbolic link, and the relay never follows links",
      );
    }
    if (info.size > this.#maxFileBytes) {
      return await fail(
        RELAY_STATUS.invalidRequest,
        `invalid relay request: the request file has ${info.size} bytes (at most ${this.#maxFileBytes})`,
      );
    }
    let request: RelayRequest;
    try {
      request = await readRequest(workPath, requestId, agentDir, this.#clock);
    } catch (error) {
      return await fail(
        RELAY_STATUS.invalidRequest,
        `invalid relay request: ${(error as Error).message}`,
      );
    }
    if (new URL(request.path, "http://relay").pathname === "/v1/stream") {
      return await fail(
        RELAY_STATUS.invalidRequest,
        "invalid relay request: /v1/stream cannot travel through the relay; long-poll GET /v1/events with a timeout instead",
      );
    }
    const { status, body } = await this.#dispatch(request, agentDir);
    const envelope = typeof body === "object" && body !== null
      ? body as Record<string, unknown>
      : undefined;
    const response: RelayResponse = {
      request_id: request.request_id,
      ok: envelope ? envelope["ok"] === true : status >= 200 && status < 300,
      status,
      body,
      completed_at: toIso(this.#clock.now()),
    };
    if (envelope && typeof envelope["error"] === "string") {
      response.error = envelope["error"];
    } else if (!envelope && (status < 200 || status >= 300)) {
      response.error = String(body);
    }
    await this.#respond(replyDir, response, requestId);
    this.#stats.processed++;
    this.#observe?.((performance.now() - claimedAt) / 1000);
  }

  async #respond(
    agentDir: string,
    response: RelayResponse,
    fileId: string = response.request_id,
  ): Promise<void> {
    const dir = this.layout.responseDir(agentDir);
    const info = await Deno.lstat(dir).catch(() => undefined);
    if (info?.isSymlink || (info && !info.isDirectory)) {
      throw new Error(
        `responses/${agentDir} is not a plain directory; the response was not written`,
      );
    }
    if (!info) await Deno.mkdir(dir, { recursive: true });
    await writeJsonAtomic(join(dir, `${safeFileId(fileId)}.json`), response);
  }

  /**
   * Answers requests a relay that stopped without closing had claimed but
   * not answered, if they are recent enough that someone may still wait.
   */
  async #answerAbandoned(): Promise<void> {
    const since = this.#clock.now() - 120_000;
    for await (const agent of Deno.readDir(this.layout.requests)) {
      if (!agent.isDirectory || !isSafeName(agent.name)) continue;
      for await (
        const file of Deno.readDir(this.layout.requestDir(agent.name))
      ) {
        if (!file.isFile || !file.name.endsWith(".work")) continue;
        const id = file.name.slice(0, -".work".length);
        const path = join(this.layout.requestDir(agent.name), file.name);
        const mtime = (await Deno.lstat(path).catch(() => undefined))?.mtime;
        if (!mtime || mtime.getTime() < since) continue;
        const responsePath = this.layout.responsePath(agent.name, id);
        if (
          await Deno.lstat(responsePath).then(() => true, () => false)
        ) continue;
        await this.#respond(
          agent.name,
          errorEnvelope(
            id,
            RELAY_STATUS.invalidPayload,
            "the relay stopped before answering this request; it may or may not have been applied, so check before retrying",
            this.#clock,
          ),
        ).catch(() => {});
      }
    }
  }

  async #applyRetention(maxAgeMs: number): Promise<void> {
    const cutoff = this.#clock.now() - maxAgeMs;
    const prune = async (dir: string, suffix: string) => {
      for await (const file of Deno.readDir(dir)) {
        if (!file.isFile || !file.name.endsWith(suffix)) continue;
        const path = join(dir, file.name);
        const info = await Deno.lstat(path).catch(() => undefined);
        if (info?.mtime && info.mtime.getTime() < cutoff) {
          await Deno.remove(path).catch(() => {});
        }
      }
    };
    for (const root of [this.layout.requests, this.layout.responses]) {
      for await (const agent of Deno.readDir(root)) {
        if (!agent.isDirectory) continue;
        await prune(
          join(root, agent.name),
          root === this.layout.requests ? ".work" : ".json",
        ).catch(() => {});
      }
    }
  }
}

/**
 * Reads and checks a claimed request file. A writer that did not write
 * atomically may still be filling the file (the rename kept its inode), so an
 * unreadable file is read again while its content keeps changing.
 */
async function readRequest(
  path: string,
  requestId: string,
  agentDir: string,
  clock: Clock,
): Promise<RelayRequest> {
  let bytes = await Deno.readFile(path);
  for (let attempt = 0;; attempt++) {
    try {
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        throw new TypeError("the file is not valid UTF-8");
      }
      return parseRequest(JSON.parse(text), requestId, agentDir, clock);
    } catch (error) {
      if (attempt >= 4) throw error;
      await new Promise((r) => setTimeout(r, 25 * (attempt + 1)));
      const again = await Deno.readFile(path);
      if (sameBytes(again, bytes)) throw error;
      bytes = again;
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function inode(path: string): number | null | undefined {
  try {
    return Deno.statSync(path).ino;
  } catch {
    return undefined;
  }
}

/** A request id usable as a file name (ids come from file names, but an envelope may override them). */
function safeFileId(id: string): string {
  return isSafeName(id) ? id : safeAgentId(id);
}
