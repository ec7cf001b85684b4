/**
 * Repeating housekeeping timers (presence sweeps, probes for other
 * processes' writes, idle-connection sweeps, relay rescans), built on
 * `AbortSignal.timeout`.
 *
 * Deno's global `setTimeout` and `setInterval` return Node-style timer
 * objects, and the first call loads part of Deno's Node compatibility layer
 * (node:timers and some twenty internal modules). An idle hub runs nothing
 * but these timers, so they use the web platform's own timer and an idle hub
 * never loads that layer (docs/PERFORMANCE.md, "Memory and CPU per post").
 *
 * Such a timer cannot be cancelled: `stop()` makes its pending tick pass
 * without a call, but until that tick the timer still keeps the event loop
 * alive, which is why `main.ts` ends the process once a command returns.
 * Timers something waits for (sleeps, deadlines) stay on `setTimeout`.
 *
 * @module
 */

/** A repeating timer; `stop()` ends it. */
export interface Repeating {
  stop(): void;
}

/** Calls `fn` every `ms` milliseconds until stopped. */
export function every(ms: number, fn: () => void): Repeating {
  let stopped = false;
  const arm = () => {
    AbortSignal.timeout(ms).addEventListener("abort", () => {
      if (stopped) return;
      arm();
      fn();
    }, { once: true });
  };
  arm();
  return {
    stop() {
      stopped = true;
    },
  };
}
