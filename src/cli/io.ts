/**
 * Where a command writes. Commands print through an {@linkcode Io} rather
 * than the console, so tests can run them in-process and read every line.
 *
 * @module
 */

/** Where a command writes, a line at a time: results to `out`, diagnostics to `err`. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}
