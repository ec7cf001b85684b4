// @ts-check
/// <reference lib="dom" />

import { $, h } from "./dom.js";
import { state } from "./state.js";

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
    $("toasts").firstElementChild.remove();
  }
  if (ms > 0) setTimeout(() => el.remove(), ms);
}

let dialogResolve = null;

/** Asks for one value; resolves to the text, or null when cancelled. */
export function ask(
  { title, text = "", value = "", ok = "OK", type = "text", danger = false },
) {
  const dialog = $("dialog");
  $("dialog-title").textContent = title;
  $("dialog-text").textContent = text;
  const input = $("dialog-input");
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

export function closeDialog(value) {
  const resolve = dialogResolve;
  dialogResolve = null;
  if ($("dialog").open) $("dialog").close();
  if (resolve) resolve(value);
}

export function setConn(stateName, text) {
  const el = $("connection");
  el.dataset.state = stateName;
  $("conn-text").textContent = text;
}

export function setOnline(online) {
  if (state.online === online) return;
  state.online = online;
  $("offline-banner").hidden = online;
  if (!online) setConn("offline", "hub unreachable");
}
