/**
 * Posting and task completion. A `task` or `task_request` message creates a
 * task (with its dependencies); a `task_result` replying to an open
 * `task_request` completes it (the RPC rule). Completing a task's last open
 * subtask completes the parent too, with a rollup notice; completing a
 * task's last open dependency posts a "task is ready" notice. Each is one
 * unit, so every notice is posted once even with several hubs.
 *
 * @module
 */

import { ValidationError } from "../../errors.ts";
import { TASK_KINDS } from "../../protocol.ts";
import { tx, type Unit } from "../../store/unit.ts";
import type {
  NewMessage,
  PostResult,
  Task,
  TaskCompletion,
} from "../../store/types.ts";
import { toIso } from "../../time.ts";
import { rollupNotice } from "./notices.ts";
import { dependsOnOf, readyNotices, requireTasks } from "./task_deps.ts";
import { checkQueueCompletion } from "./queue.ts";

/** Throws `ValidationError` unless `parentTaskId` names a task. */
export function* requireParentTask(parentTaskId: number): Unit<void> {
  if (!(yield* tx.task(parentTaskId, false))) {
    throw new ValidationError("parent_task_id references unknown task");
  }
}

/** Posts a message with everything it implies; touches the sender in the same commit. */
export function* postMessage(
  input: NewMessage,
  parentTaskId: number | null,
): Unit<PostResult> {
  const createsTask = TASK_KINDS.has(input.kind);
  const deps = createsTask ? dependsOnOf(input.metadata) : [];
  if (deps.length) yield* tx.serialize("task_deps_insert");
  if (parentTaskId !== null) yield* requireParentTask(parentTaskId);
  yield* requireTasks(deps);
  const ts = toIso(yield* tx.now());
  let metadata = input.metadata;
  let completedTaskId: number | null = null;
  let finishedRoot: Task | null = null;
  let notices: NewMessage[] = [];
  if (input.kind === "task_result" && input.reply_to !== null) {
    const request = input.reply_to;
    const task = (yield* tx.messageKind(request)) === "task_request"
      ? yield* tx.task(request, true)
      : null;
    if (task?.status === "open") {
      yield* checkQueueCompletion(task.task_id, input.from_agent, ts);
      const done = yield* tx.markTaskDone(task.task_id, ts);
      if (done.parent_task_id === null) finishedRoot = done;
      completedTaskId = task.task_id;
      metadata = { ...metadata, task_completed: task.task_id };
      notices = yield* readyNotices([task.task_id], ts);
    }
  }
  // Posting is activity: the sender's session stays alive.
  yield* tx.touchAgent(input.from_agent, ts);
  const [message, ...posted] = yield* tx.insertMessages([
    {
      input: { ...input, metadata },
      ts,
      task: createsTask ? { parent: parentTaskId } : null,
    },
    ...notices.map((n) => ({ input: n, ts, task: null })),
  ]);
  if (deps.length) yield* tx.insertDependencies(message!.id, deps, ts);
  return {
    message: message!,
    completedTaskId,
    ...(finishedRoot ? { finishedRoot } : {}),
    ...(posted.length ? { posted } : {}),
  };
}

/**
 * Marks a task done and rolls up its parent one level; null for an unknown
 * task. `completer` names the agent completing it, for the work queue's
 * rule (`checkQueueCompletion`).
 */
export function* completeTask(
  taskId: number,
  completer: string | null = null,
): Unit<TaskCompletion | null> {
  const found = yield* tx.task(taskId, true);
  if (!found) return null;
  const now = toIso(yield* tx.now());
  if (found.status !== "done") {
    yield* checkQueueCompletion(taskId, completer, now);
  }
  const done: number[] = [];
  let task = found;
  if (found.status !== "done") {
    task = yield* tx.markTaskDone(taskId, now);
    done.push(taskId);
  }
  const completion: TaskCompletion = {
    task,
    parentCompleted: false,
    finishedRoot: done.length && task.parent_task_id === null ? task : null,
    posted: [],
  };
  const notices: NewMessage[] = [];
  if (task.parent_task_id !== null) {
    // Siblings completing at once queue on the parent's row; each counts
    // after the one before it committed, so exactly one sees no open child.
    const parent = yield* tx.task(task.parent_task_id, true);
    if (parent?.status === "open") {
      const counts = yield* tx.childCounts(parent.task_id);
      if (!counts.open) {
        const rolled = yield* tx.markTaskDone(parent.task_id, now);
        completion.parentCompleted = true;
        if (rolled.parent_task_id === null) completion.finishedRoot = rolled;
        done.push(parent.task_id);
        notices.push(rollupNotice(parent, counts.total));
      }
    }
  }
  notices.push(...yield* readyNotices(done, now));
  completion.posted = yield* tx.insertMessages(
    notices.map((input) => ({ input, ts: now, task: null })),
  );
  return completion;
}
