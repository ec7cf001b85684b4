/**
 * Types of task dependencies (the `arcdeno:task_deps` extension): a task
 * may wait for other tasks, named in `metadata.arcdeno.depends_on` when it
 * is posted or added later; the hub lists tasks whose dependencies are all
 * done and tells the assignee when its task becomes ready.
 *
 * @module
 */

import type { Task } from "./types.ts";

/**
 * A task with its dependency facts, as the ready list and the dependency
 * routes return it.
 *
 * @example Which dependencies are still open
 * ```ts
 * import type { TaskWithDependencies } from "@arc/hub";
 *
 * const waitingFor = (t: TaskWithDependencies) => t.arcdeno.open_dependencies;
 * ```
 */
export interface TaskWithDependencies extends Task {
  /** The vendor facts. */
  arcdeno: {
    /** The tasks this one waits for. */
    depends_on: number[];
    /** Those not done yet. */
    open_dependencies: number[];
    /** Open with every dependency done. */
    ready: boolean;
    /**
     * Who works on it: `metadata.arcdeno.assignee` of its message, else the
     * message's `to_agent`, else the owner of an active claim on the task.
     */
    assignee: string | null;
  };
}

/**
 * Filters for {@linkcode ArcClient.readyTasks}.
 *
 * @example My ready tasks in one channel
 * ```ts
 * import type { ReadyTasksOptions } from "@arc/hub";
 *
 * const options: ReadyTasksOptions = { channel: "build", assignee: "worker" };
 * ```
 */
export interface ReadyTasksOptions {
  /** Only tasks of this channel. */
  channel?: string;
  /** Only tasks assigned to this agent. */
  assignee?: string;
}
