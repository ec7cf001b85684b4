/**
 * A worker that checkpoints one SQLite database's write-ahead log on a timer,
 * on its own connection and thread, so copying the log into the database and
 * the syncs that go with it mostly happen outside requests and off the event
 * loop (see `SqliteStoreOptions.checkpointMs`). PASSIVE checkpoints never
 * wait for readers or writers (of this or another process); what one cannot
 * copy now, the next copies. The worker runs only while commits come fast.
 *
 * The worker's code is loaded from a blob, so a hub whose read permission
 * covers only its storage directory can start it.
 *
 * @module
 */

/** Options for {@linkcode startCheckpointer}. */
export interface CheckpointerOptions {
  /** Interval between checkpoints while the worker runs, in ms. */
  everyMs: number;
  /**
   * Commits within one second that start the worker; while it runs, fewer
   * than this many commits in `idleMs` stop it again. @default 50
   */
  busyCommits?: number;
  /** How long the worker lives without busy traffic, in ms. @default 10000 */
  idleMs?: number;
  /** Told when a worker starts (`true`) or has ended (`false`); for tests. */
  onWorker?: (running: boolean) => void;
  /**
   * Milliseconds on a clock that only moves forward, which times the
   * one-second window of `busyCommits`; for tests. @default performance.now
   */
  now?: () => number;
}

/**
 * A checkpointer: `committed()` after each commit on the main connection;
 * `stop()` checkpoints a last time and ends the worker.
 */
export interface Checkpointer {
  committed(): void;
  stop(): Promise<void>;
}

const WORKER_SOURCE = `
import { DatabaseSync } from "node:sqlite";
let db;
let timer;
const checkpoint = () => {
  try {
    db?.exec("PRAGMA wal_checkpoint(PASSIVE)");
  } catch {
    // Busy or failing storage: the next tick retries.
  }
};
self.onmessage = (e) => {
  const command = e.data;
  if (command.open) {
    db = new DatabaseSync(command.open);
    db.exec("PRAGMA busy_timeout = 0");
    db.exec("PRAGMA wal_autocheckpoint = 0");
    timer = setInterval(checkpoint, command.everyMs);
  } else {
    clearInterval(timer);
    checkpoint();
    db?.close();
    db = undefined;
    self.postMessage("closed");
  }
};
`;

/**
 * A checkpointer for the database at `path`. The worker is a whole second
 * JavaScript runtime (about 15 MB), so it runs only while commits come fast:
 * it starts once `busyCommits` commits arrive within a second and ends after
 * `idleMs` with fewer; between bursts SQLite's automatic checkpoint on the
 * main connection keeps the log bounded, as it does if the worker cannot run.
 *
 * @param path absolute path of the database file
 * @param options interval and when the worker runs
 * @returns a handle to count commits and to stop it
 */
export function startCheckpointer(
  path: string,
  options: CheckpointerOptions,
): Checkpointer {
  const busy = options.busyCommits ?? 50;
  const idleMs = options.idleMs ?? 10_000;
  const clock = options.now ?? (() => performance.now());
  /** Ends the running worker; undefined while none runs. */
  let retire: (() => void) | undefined;
  let windowStart = 0;
  let commits = 0;
  let stopped = false;
  const ending = new Set<Promise<void>>();
  const begin = () => {
    const worker = runWorker(path, options.everyMs);
    options.onWorker?.(true);
    let seen = commits = 0;
    const idle = setInterval(() => {
      if (commits - seen < busy) retire?.();
      seen = commits;
    }, idleMs);
    retire = () => {
      clearInterval(idle);
      retire = undefined;
      const closing = worker.stop().then(() => options.onWorker?.(false));
      ending.add(closing);
      void closing.finally(() => ending.delete(closing));
    };
  };
  return {
    committed() {
      commits++;
      if (retire || stopped) return;
      const now = clock();
      if (now - windowStart > 1000) {
        windowStart = now;
        commits = 1;
      }
      if (commits >= busy) begin();
    },
    async stop() {
      stopped = true;
      retire?.();
      while (ending.size) await Promise.all(ending);
    },
  };
}

/** One worker run: checkpoints every `everyMs` until `stop()`. */
function runWorker(
  path: string,
  everyMs: number,
): { stop(): Promise<void> } {
  const url = URL.createObjectURL(
    new Blob([WORKER_SOURCE], { type: "application/javascript" }),
  );
  const worker = new Worker(url, { type: "module" });
  URL.revokeObjectURL(url);
  let failed = false;
  worker.onerror = (e) => {
    e.preventDefault();
    failed = true;
    worker.terminate();
  };
  worker.postMessage({ open: path, everyMs });
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (failed) return resolve();
        const done = () => {
          clearTimeout(timer);
          worker.terminate();
          resolve();
        };
        // A worker that is stuck (e.g. on a hung disk) does not hold up close.
        const timer = setTimeout(done, 2000);
        worker.onmessage = done;
        worker.onerror = (e) => {
          e.preventDefault();
          done();
        };
        worker.postMessage({ close: true });
      });
      return stopped;
    },
  };
}
