/**
 * The stdio side of `arc mcp`, with no dependencies: newline-delimited
 * JSON-RPC messages read from standard input and written to standard output
 * (one message per line, nothing else on stdout), and the end of the
 * process's life (stdin closed, stdout gone, SIGINT, SIGTERM). The bridge to
 * the hub's `/mcp` and the MCP server in this process both sit on it.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Options for {@linkcode StdioChannel}. */
export interface StdioChannelOptions {
  /** Where messages come from. @default {Deno.stdin.readable} */
  input?: ReadableStream<Uint8Array>;
  /** Where messages go. @default {Deno.stdout} */
  output?: { write(bytes: Uint8Array): Promise<number> };
}

/** Newline-delimited messages on stdin and stdout. */
export class StdioChannel {
  #reader: ReadableStreamDefaultReader<string>;
  #output: { write(bytes: Uint8Array): Promise<number> };
  #buffer = "";
  #writing: Promise<void> = Promise.resolve();
  #broken = false;
  /** Called once when a write fails (the host closed stdout). */
  onbroken: () => void = () => {};

  constructor(options: StdioChannelOptions = {}) {
    this.#reader = (options.input ?? Deno.stdin.readable)
      .pipeThrough(new TextDecoderStream()).getReader();
    this.#output = options.output ?? Deno.stdout;
  }

  /** The next non-empty line, without its line break; undefined once stdin ends. */
  async read(): Promise<string | undefined> {
    while (true) {
      const end = this.#buffer.indexOf("\n");
      if (end >= 0) {
        const line = this.#buffer.slice(0, end).replace(/\r$/, "");
        this.#buffer = this.#buffer.slice(end + 1);
        if (line.trim() !== "") return line;
        continue;
      }
      let chunk: ReadableStreamReadResult<string>;
      try {
        chunk = await this.#reader.read();
      } catch {
        return undefined;
      }
      if (chunk.done) {
        const rest = this.#buffer.trim();
        this.#buffer = "";
        return rest === "" ? undefined : rest;
      }
      this.#buffer += chunk.value;
    }
  }

  /** Writes `message` as one line of JSON; writes never interleave. */
  write(message: unknown): Promise<void> {
    const bytes = encoder.encode(`${JSON.stringify(message)}\n`);
    this.#writing = this.#writing.then(async () => {
      if (this.#broken) return;
      try {
        let written = 0;
        while (written < bytes.length) {
          written += await this.#output.write(bytes.subarray(written));
        }
      } catch {
        this.#broken = true;
        this.onbroken();
      }
    });
    return this.#writing;
  }

  /** Stops reading stdin (so the process can exit) once pending writes are out. */
  async close(): Promise<void> {
    await this.#writing;
    await this.#reader.cancel().catch(() => {});
  }
}

/**
 * The end of an `arc mcp` process: resolves {@linkcode Lifetime.ended} with
 * the reason on the first of SIGINT, SIGTERM or {@linkcode Lifetime.end}.
 */
export class Lifetime {
  #signals: [Deno.Signal, () => void][] = [];
  #end!: (reason: string) => void;
  /** The reason the process ends. */
  readonly ended: Promise<string>;

  constructor() {
    this.ended = new Promise((resolve) => this.#end = resolve);
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const listener = () => this.#end(`received ${signal}`);
      try {
        Deno.addSignalListener(signal, listener);
        this.#signals.push([signal, listener]);
      } catch {
        // not supported on this platform (SIGTERM on Windows)
      }
    }
  }

  /** Ends the process's life for `reason` (the first reason wins). */
  end(reason: string): void {
    this.#end(reason);
  }

  /** Removes the signal listeners. */
  dispose(): void {
    for (const [signal, listener] of this.#signals) {
      Deno.removeSignalListener(signal, listener);
    }
    this.#signals = [];
  }
}
