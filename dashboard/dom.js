// @ts-check
/// <reference lib="dom" />

/**
 * Small helpers: finding and creating elements (text only, never HTML), and
 * formatting numbers, times and durations.
 *
 * @module
 */

import { hubNow } from "./state.js";

/** @import { Child, Props } from "./types.d.ts" */

/**
 * The page's element with this id, checked to be a `type` (by default any
 * HTML element). The ids are the page's own, so a missing one is a bug.
 *
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @param {{ new (): T, name: string }} [type]
 * @returns {T}
 */
export function $(id, type) {
  const el = document.getElementById(id);
  const want = type ?? HTMLElement;
  if (!(el instanceof want)) {
    throw new TypeError(`The page has no ${want.name} with the id ${id}`);
  }
  return /** @type {T} */ (el);
}

/**
 * The HTML elements under `root` that match `selector`.
 *
 * @param {ParentNode} root
 * @param {string} selector
 * @returns {NodeListOf<HTMLElement>}
 */
export function $$(root, selector) {
  return root.querySelectorAll(selector);
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const enc = encodeURIComponent;

/**
 * Creates an element. `props` may hold `class`, `text`, `testid`, `data`
 * (dataset entries), `on` (event listeners) and plain attributes; children
 * are nodes or strings (strings become text nodes).
 *
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props | null} [props]
 * @param {Child[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") el.className = String(value);
      else if (key === "text") el.textContent = String(value);
      else if (key === "testid") el.dataset.testid = String(value);
      else if (key === "data") {
        const data = /** @type {Record<string, unknown>} */ (value);
        for (const [k, v] of Object.entries(data)) {
          if (v !== undefined && v !== null) el.dataset[k] = String(v);
        }
      } else if (key === "on") {
        const on = /** @type {NonNullable<Props["on"]>} */ (value);
        for (const [event, fn] of Object.entries(on)) {
          el.addEventListener(event, fn);
        }
      } else el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  appendAll(el, children);
  return el;
}

/**
 * @param {HTMLElement} el
 * @param {Child[]} children
 */
function appendAll(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/**
 * The one row of a panel with nothing to show.
 *
 * @param {string} text
 */
export function emptyPanelRow(text) {
  return h("li", { class: "panel-empty", text });
}

/**
 * Any JSON value as readable text.
 *
 * @param {unknown} value
 * @returns {string}
 */
export function asText(value) {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * @param {number} n
 * @param {string} word
 */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * A stable hue for a thread id, so one thread's messages share a colour.
 *
 * @param {string} text
 */
export function hue(text) {
  let x = 0;
  for (let i = 0; i < text.length; i++) x = (x * 31 + text.charCodeAt(i)) | 0;
  return Math.abs(x) % 360;
}

/**
 * Milliseconds since the epoch, or NaN.
 *
 * @param {unknown} ts
 */
export function parseTs(ts) {
  const t = Date.parse(String(ts));
  return Number.isFinite(t) ? t : NaN;
}

/** @param {unknown} ts */
export function clockTime(ts) {
  const t = parseTs(ts);
  if (!Number.isFinite(t)) return String(ts ?? "");
  const d = new Date(t);
  const now = new Date();
  const hms = d.toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
  if (d.toDateString() === now.toDateString()) return hms;
  return `${
    d.toLocaleDateString([], { month: "short", day: "numeric" })
  } ${hms}`;
}

/** @param {number} sec */
export function duration(sec) {
  sec = Math.max(0, Math.floor(sec));
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) {
    return `${Math.floor(sec / 60)}m ${String(sec % 60).padStart(2, "0")}s`;
  }
  if (sec < 86400) {
    return `${Math.floor(sec / 3600)}h ${
      String(Math.floor(sec % 3600 / 60)).padStart(2, "0")
    }m`;
  }
  return `${Math.floor(sec / 86400)}d ${Math.floor(sec % 86400 / 3600)}h`;
}

/** @param {unknown} ts */
export function ago(ts) {
  const t = parseTs(ts);
  if (!Number.isFinite(t)) return "";
  const sec = (hubNow() - t) / 1000;
  return sec < 5 ? "just now" : `${duration(sec).split(" ")[0]} ago`;
}

/** @param {number} sec */
export function countdown(sec) {
  sec = Math.max(0, Math.floor(sec));
  const m = Math.floor(sec / 60);
  return `${m}:${String(sec % 60).padStart(2, "0")}`;
}

/**
 * What went wrong, as text: an error's message, or whatever was thrown.
 *
 * @param {unknown} error
 */
export function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}
