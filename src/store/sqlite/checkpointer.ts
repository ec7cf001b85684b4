/**
 * A worker that checkpoints one SQLite database's write-ahead log on a timer,
 * on its own connection and thread, so copying the log into the database and
 * the syncs that go with it mostly happen outside requests and off the event
 * loop (see `SqliteStoreOptions.checkpointMs`). PASSIVE checkpoints never
 * wait for readers or writers (of this or another process); what one cannot
 * copy now, the next copies.
 *
 * The worker's code is loaded from a blob, so a hub whose read permission
 * covers only its storage directory can start it.
 *
 * @module
 */

/** A running checkpointer; `stop()` checkpoints a last time and ends the worker. */
export interface Checkpointer {
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
 * Starts a checkpoint worker for the database at `path`. If the worker
 * cannot run, nothing fails: SQLite's automatic checkpoint still runs.
 *
 * @param path absolute path of the database file
 * @param everyMs interval between checkpoints
 * @returns a handle to stop it
 */
export function startCheckpointer(path: string, everyMs: number): Checkpointer {
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
