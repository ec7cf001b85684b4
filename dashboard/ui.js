// @ts-check
/// <reference lib="dom" />

/**
 * Page furniture shared by every view: toasts, the one dialog, and the
 * connection indicator.
 *
 * @module
 */

import { $, h } from "./dom.js";
import { state } from "./state.js";

/**
 * A short note in the corner that goes away by itself (after `ms`; 0 keeps
 * it) or when clicked.
 *
 * @param {string} text
 * @param {"info" | "ok" | "error"} [level]
 * @param {number} [ms]
 */
export function toast(
  text,
  level = "info",
  ms = level === "error" ? 9000 : 4500,
) {
  const el = h("div", {
    class: "toast",
    testid: "toast",
    data: { level },
    role: level === "error" ? "alert" : "status",
    text,
  });
  el.addEventListener("click", () => el.remove());
  $("toasts").append(el);
  while ($("toasts").childElementCount > 5) {
    $("toasts").firstElementChild?.remove();
  }
  if (ms > 0) setTimeout(() => el.remove(), ms);
}

/** @type {((value: string | null) => void) | null} */
let dialogResolve = null;

/**
 * Asks for one value; resolves to the text, or null when cancelled.
 *
 * @param {{ title: string, text?: string, value?: string, ok?: string, type?: string, danger?: boolean }} question
 * @returns {Promise<string | null>}
 */
export function ask(
  { title, text = "", value = "", ok = "OK", type = "text", danger = false },
) {
  const dialog = $("dialog", HTMLDialogElement);
  $("dialog-title").textContent = title;
  $("dialog-text").textContent = text;
  const input = $("dialog-input", HTMLInputElement);
  input.type = type;
  input.value = value;
  if (type === "number") {
    input.min = "0";
    input.max = "3600";
    input.step = "1";
  }
  $("dialog-ok").textContent = ok;
  $("dialog-ok").className = danger ? "danger" : "primary";
  if (dialogResolve) dialogResolve(null);
  return new Promise((resolve) => {
    dialogResolve = resolve;
    dialog.showModal();
    input.focus();
    input.select();
  });
}

/** @param {string | null} value */
export function closeDialog(value) {
  const resolve = dialogResolve;
  dialogResolve = null;
  const dialog = $("dialog", HTMLDialogElement);
  if (dialog.open) dialog.close();
  if (resolve) resolve(value);
}

/**
 * Shows how the live stream is doing in the top bar.
 *
 * @param {"connecting" | "live" | "reconnecting" | "offline"} stateName
 * @param {string} text
 */
export function setConn(stateName, text) {
  const el = $("connection");
  el.dataset.state = stateName;
  $("conn-text").textContent = text;
}

/** @param {boolean} online */
export function setOnline(online) {
  if (state.online === online) return;
  state.online = online;
  $("offline-banner").hidden = online;
  if (!online) setConn("offline", "hub unreachable");
}
