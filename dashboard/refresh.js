// @ts-check
/// <reference lib="dom" />

/**
 * Panel refreshes: `schedule()` coalesces requests into one call per panel,
 * and `poll()` asks for all of them every few seconds while the tab is visible.
 *
 * @module
 */

import { refreshAgents } from "./views/agents.js";
import { refreshApprovals } from "./views/approvals.js";
import { refreshInfo, refreshShutdown } from "./views/hub.js";
import { refreshClaims, refreshLocks } from "./views/leases.js";
import { refreshChannels } from "./views/nav.js";
import { refreshTasks } from "./views/tasks.js";
import { refreshThreads } from "./views/threads.js";
import { refreshUnacked } from "./views/unacked.js";

/** What each panel reloads from the hub, by the name `schedule()` takes. */
const refreshers = {
  agents: refreshAgents,
  claims: refreshClaims,
  locks: refreshLocks,
  tasks: refreshTasks,
  threads: refreshThreads,
  channels: refreshChannels,
  shutdown: refreshShutdown,
  info: refreshInfo,
  unacked: refreshUnacked,
  approvals: refreshApprovals,
};

/** @typedef {keyof typeof refreshers} Panel */

/** @type {Set<Panel>} */
const scheduled = new Set();

/** Refreshers under way, each with whether it was asked for again meanwhile. @type {Map<Panel, boolean>} */
const running = new Map();

/** @type {ReturnType<typeof setTimeout> | 0} */
let scheduleTimer = 0;

/**
 * Refreshes these panels soon, once each however often they are asked for.
 *
 * @param {Panel[]} names
 */
export function schedule(...names) {
  for (const name of names) scheduled.add(name);
  if (!scheduleTimer) scheduleTimer = setTimeout(runScheduled, 120);
}

function runScheduled() {
  scheduleTimer = 0;
  const names = [...scheduled];
  scheduled.clear();
  for (const name of names) runRefresher(name);
}

/** @param {Panel} name */
export async function runRefresher(name) {
  if (running.has(name)) {
    running.set(name, true);
    return;
  }
  running.set(name, false);
  try {
    await refreshers[name]();
  } catch {
    /* the connection indicator shows an unreachable hub */
  } finally {
    const again = running.get(name);
    running.delete(name);
    if (again) schedule(name);
  }
}

let tick = 0;

export function poll() {
  if (document.hidden) return;
  tick++;
  schedule("agents", "claims", "locks", "shutdown", "tasks", "threads");
  schedule("unacked", "approvals");
  if (tick % 5 === 0) schedule("channels", "info");
}
