// @ts-check
/// <reference lib="dom" />

/**
 * The tasks panel: the task tree with subtask roll-ups and the work queue.
 *
 * @module
 */

import { api, query } from "../api.js";
import { $, emptyPanelRow, enc, h } from "../dom.js";
import { changed, OPERATOR, remember, state } from "../state.js";
import { jumpTo, openView } from "./feed.js";

/** @import { Message, Task } from "../types.d.ts" */

export async function refreshTasks() {
  state.tasks = await api("GET", "/v1/tasks");
  state.queue = await api("GET", "/v1/arcdeno/queue").catch(() => null);
  renderQueue();
  renderTasks();
  fetchTaskTitles();
}

/** The work queue line (`arcdeno:work_queue`): ready tasks and who holds what. */
function renderQueue() {
  const q = state.queue;
  const line = $("queue-status");
  if (!q) {
    line.hidden = true;
    return;
  }
  line.hidden = false;
  const held = q.holders.length
    ? q.holders.map((x) => `#${x.task_id} ${x.agent_id}`).join(", ")
    : "nothing";
  line.replaceChildren(
    h("span", {
      testid: "queue-depth",
      text: `queue: ${q.depth} ready`,
    }),
    h("span", { text: " · held: " }),
    h("span", { testid: "queue-holders", text: held }),
  );
}

/**
 * @param {Task} task
 */
function taskTitle(task) {
  const m = state.msgById.get(task.task_id);
  if (m) {
    return typeof m.body === "string" && m.body
      ? m.body.split("\n")[0]
      : `(${m.kind})`;
  }
  const t = state.taskTitles.get(task.task_id);
  return t ?? "";
}

let titlesBusy = false;

/**
 * Whether the task message `taskId` is at `path` (a channel's messages or the
 * operator's inbox), remembered when it is.
 *
 * @param {number} taskId
 * @param {string} path
 * @param {Record<string, unknown>} [params]
 */
async function findTask(taskId, path, params = {}) {
  try {
    /** @type {Message[]} */
    const rows = await api(
      "GET",
      query(path, { ...params, since_id: taskId - 1, limit: 1 }),
    );
    const m = rows[0];
    if (m && m.id === taskId) {
      remember([m]);
      return true;
    }
  } catch { /* keep it untitled */ }
  return false;
}

/** Looks up the bodies of the task messages the panel has no text for. */
async function fetchTaskTitles() {
  if (titlesBusy) return;
  titlesBusy = true;
  try {
    const missing = state.tasks.filter((t) =>
      !state.msgById.has(t.task_id) && !state.taskTitles.has(t.task_id)
    ).slice(-60);
    for (const t of missing) {
      const inChannel = t.channel && state.channels.includes(t.channel) &&
        await findTask(t.task_id, "/v1/messages", { channel: t.channel });
      if (
        !inChannel && !await findTask(t.task_id, `/v1/inbox/${enc(OPERATOR)}`)
      ) {
        state.taskTitles.set(
          t.task_id,
          t.thread_id != null
            ? `(direct task in ${t.thread_id})`
            : "(direct task)",
        );
      }
    }
    if (missing.length) renderTasks(true);
  } finally {
    titlesBusy = false;
  }
}

/**
 * @param {Task} task
 */
function holderOf(task) {
  if (task.status !== "open") return null;
  return state.queue?.holders.find((x) => x.task_id === task.task_id)
    ?.agent_id ?? null;
}

/**
 * @param {boolean} force
 */
export function renderTasks(force = false) {
  const tasks = state.tasks;
  const openOnly = $("tasks-open-only", HTMLInputElement).checked;
  const queue = state.queue;
  if (!changed("tasks", { tasks, openOnly, queue }) && !force) return;
  if (force) {
    state.signatures.set("tasks", JSON.stringify({ tasks, openOnly, queue }));
  }
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  /** @type {Map<number, Task[]>} */
  const children = new Map();
  /** @type {Task[]} */
  const roots = [];
  for (const t of tasks) {
    if (t.parent_task_id != null && byId.has(t.parent_task_id)) {
      const list = children.get(t.parent_task_id) ?? [];
      list.push(t);
      children.set(t.parent_task_id, list);
    } else roots.push(t);
  }
  const open = tasks.filter((t) => t.status === "open").length;
  $("task-count").textContent = tasks.length
    ? `${open} open / ${tasks.length}`
    : "";
  /** @type {(t: Task) => boolean} */
  const hasOpen = (t) =>
    t.status === "open" ||
    (children.get(t.task_id) ?? []).some((c) => hasOpen(c));
  let budget = 400;
  /** @type {(t: Task) => HTMLLIElement | null} */
  const renderNode = (t) => {
    if (budget-- <= 0) return null;
    const kids = (children.get(t.task_id) ?? []).filter((c) =>
      !openOnly || hasOpen(c)
    );
    const all = children.get(t.task_id) ?? [];
    const done = all.filter((c) => c.status === "done").length;
    const title = taskTitle(t);
    const row = h(
      "button",
      {
        type: "button",
        class: "task",
        data: { status: t.status },
        title: `task #${t.task_id} in #${t.channel}${
          t.thread_id != null ? `, thread ${t.thread_id}` : ""
        }`,
        on: {
          click: () =>
            t.thread_id != null
              ? openView("thread", String(t.thread_id))
              : state.channels.includes(t.channel)
              ? openView("channel", t.channel).then(() => jumpTo(t.task_id))
              : null,
        },
      },
      h("span", { class: "state", text: t.status === "done" ? "✓" : "○" }),
      h("span", {
        class: "title",
        title: title || undefined,
        text: title || `task #${t.task_id}`,
      }),
      h("span", { class: "tid", text: `#${t.task_id}` }),
      holderOf(t)
        ? h("span", {
          class: "tid",
          testid: "task-holder",
          text: `@${holderOf(t)}`,
        })
        : null,
      all.length
        ? h(
          "span",
          { class: "rollup", testid: "task-rollup" },
          h("span", { text: `${done}/${all.length} subtasks done` }),
          (() => {
            const fill = h("span");
            fill.style.setProperty(
              "--done",
              `${Math.round(done / all.length * 100)}%`,
            );
            return h("span", { class: "bar" }, fill);
          })(),
        )
        : null,
    );
    return h(
      "li",
      { testid: "task-row", data: { taskId: t.task_id, status: t.status } },
      row,
      kids.length ? h("ul", null, kids.map(renderNode)) : null,
    );
  };
  const shownRoots = roots.filter((t) => !openOnly || hasOpen(t)).reverse();
  const list = $("task-tree");
  if (!shownRoots.length) {
    list.replaceChildren(
      emptyPanelRow(openOnly ? "No open tasks." : "No tasks yet."),
    );
    return;
  }
  list.replaceChildren(
    ...shownRoots.map(renderNode).filter((row) => row !== null),
  );
}
