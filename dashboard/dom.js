// @ts-check
/// <reference lib="dom" />

import { hubNow } from "./state.js";

export const $ = (id) => document.getElementById(id);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const enc = encodeURIComponent;

/**
 * Creates an element. `props` may hold `class`, `text`, `testid`, `data`
 * (dataset entries), `on` (event listeners) and plain attributes; children
 * are nodes or strings (strings become text nodes).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = String(value);
      else if (key === "testid") el.dataset.testid = value;
      else if (key === "data") {
        for (const [k, v] of Object.entries(value)) {
          if (v !== undefined && v !== null) el.dataset[k] = String(v);
        }
      } else if (key === "on") {
        for (const [event, fn] of Object.entries(value)) {
          el.addEventListener(event, fn);
        }
      } else el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  appendAll(el, children);
  return el;
}

function appendAll(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Any JSON value as readable text. */
export function asText(value) {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** A stable hue for a thread id, so one thread's messages share a colour. */
export function hue(text) {
  let x = 0;
  for (let i = 0; i < text.length; i++) x = (x * 31 + text.charCodeAt(i)) | 0;
  return Math.abs(x) % 360;
}

export function parseTs(ts) {
  const t = Date.parse(ts);
  return Number.isFinite(t) ? t : NaN;
}

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

export function ago(ts) {
  const t = parseTs(ts);
  if (!Number.isFinite(t)) return "";
  const sec = (hubNow() - t) / 1000;
  return sec < 5 ? "just now" : `${duration(sec).split(" ")[0]} ago`;
}

export function countdown(sec) {
  sec = Math.max(0, Math.floor(sec));
  const m = Math.floor(sec / 60);
  return `${m}:${String(sec % 60).padStart(2, "0")}`;
}
