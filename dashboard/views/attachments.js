// @ts-check
/// <reference lib="dom" />

/**
 * A message's attachments: code, text, file and diff references, and JSON
 * as a folding tree built only as it is opened.
 *
 * @module
 */

import { asText, h, plural } from "../dom.js";

/** Characters of a text attachment shown before "Show all". */
const BIG_TEXT = 40_000;

/**
 * A <pre> with the text, cut at BIG_TEXT characters until asked for all.
 *
 * @param {string} text
 */
function bigPre(text) {
  const pre = h("pre", null, h("code", { text: text.slice(0, BIG_TEXT) }));
  if (text.length <= BIG_TEXT) return [pre];
  const all = h("button", {
    type: "button",
    class: "more",
    text: `Show all ${text.length.toLocaleString()} characters`,
    on: {
      click: () => {
        /** @type {Node} */ (pre.firstChild).textContent = text;
        all.remove();
      },
    },
  });
  return [pre, all];
}

/**
 * @param {string} text
 */
function copyButton(text) {
  const button = h("button", {
    type: "button",
    text: "Copy",
    on: {
      click: async () => {
        try {
          await navigator.clipboard.writeText(text);
          button.textContent = "Copied";
        } catch {
          button.textContent = "Copy failed";
        }
        setTimeout(() => (button.textContent = "Copy"), 1500);
      },
    },
  });
  return button;
}

/**
 * @param {Record<string, unknown>} a
 */
function lineRange(a) {
  const start = Number.isInteger(a.start_line) ? a.start_line : null;
  const end = Number.isInteger(a.end_line) ? a.end_line : null;
  if (start !== null && end !== null && end !== start) {
    return `L${start}–${end}`;
  }
  if (start !== null) return `L${start}`;
  if (end !== null) return `to L${end}`;
  return null;
}

/**
 * @param {unknown} a
 * @returns {HTMLElement}
 */
export function renderAttachment(a) {
  if (!a || typeof a !== "object") {
    return h(
      "div",
      { class: "att att-text", testid: "attachment" },
      bigPre(asText(a)),
    );
  }
  const att = /** @type {Record<string, unknown>} */ (a);
  const type = typeof att.type === "string" ? att.type : "unknown";
  switch (type) {
    case "code": {
      const text = asText(att.content);
      const lang = typeof att.language === "string" && att.language
        ? att.language
        : "code";
      return h(
        "div",
        { class: "att att-code", testid: "attachment", data: { type } },
        h(
          "div",
          { class: "att-head" },
          h("span", { class: "lang", testid: "attachment-lang", text: lang }),
          h("span", { class: "spacer" }),
          h("span", { text: plural(text.split("\n").length, "line") }),
          copyButton(text),
        ),
        bigPre(text),
      );
    }
    case "text":
      return h(
        "div",
        { class: "att att-text", testid: "attachment", data: { type } },
        bigPre(asText(att.content)),
      );
    case "json":
      return renderJsonAttachment(att.content);
    case "file_ref":
    case "diff_ref": {
      const range =
        type === "diff_ref" && (att.base != null || att.head != null)
          ? `${att.base ?? "…"}..${att.head ?? "…"}`
          : null;
      const lines = lineRange(att);
      return h(
        "div",
        { class: "att att-ref", testid: "attachment", data: { type } },
        h("span", {
          class: "ref-icon",
          title: type === "diff_ref" ? "diff" : "file",
          text: type === "diff_ref" ? "±" : "▤",
        }),
        h("span", {
          class: "path",
          testid: "attachment-path",
          text: asText(att.path ?? ""),
        }),
        lines
          ? h("span", {
            class: "lines",
            testid: "attachment-lines",
            text: lines,
          })
          : null,
        range ? h("span", { class: "range", text: range }) : null,
        typeof att.description === "string" && att.description
          ? h("span", { class: "desc", text: att.description })
          : null,
      );
    }
    default:
      return h(
        "div",
        { class: "att", testid: "attachment", data: { type } },
        h("div", { class: "att-head", text: `attachment of type “${type}”` }),
        jsonTree(att),
      );
  }
}

/**
 * @param {unknown} content
 */
function renderJsonAttachment(content) {
  const box = h("div", {
    class: "att att-json",
    testid: "attachment",
    data: { type: "json" },
  });
  /** @type {HTMLDivElement | null} */
  let raw = null;
  const tree = jsonTree(content);
  const toggle = h("button", {
    type: "button",
    testid: "json-raw",
    text: "Raw",
    on: {
      click: () => {
        if (!raw) {
          raw = h("div", null, bigPre(asText(content)));
          raw.hidden = true;
          box.append(raw);
        }
        const showRaw = raw.hidden;
        raw.hidden = !showRaw;
        tree.hidden = showRaw;
        toggle.textContent = showRaw ? "Tree" : "Raw";
      },
    },
  });
  box.append(
    h(
      "div",
      { class: "att-head" },
      h("span", { class: "lang", text: "json" }),
      h("span", { class: "spacer" }),
      toggle,
      copyButton(asText(content)),
    ),
    tree,
  );
  return box;
}

/**
 * A folding JSON tree; nested levels are built only when opened.
 *
 * @param {unknown} value
 */
export function jsonTree(value) {
  const root = h("div", { class: "jt", testid: "json-tree" });
  root.append(jsonNode(value, null, 0));
  return root;
}

/**
 * @param {unknown} value
 * @param {string | number | null} key
 * @param {number} depth
 * @returns {HTMLElement}
 */
function jsonNode(value, key, depth) {
  const keyLabel = key === null
    ? null
    : h("span", { class: "jk", text: `${JSON.stringify(key)}: ` });
  if (value === null || typeof value !== "object") {
    const cls = value === null
      ? "jz"
      : typeof value === "string"
      ? "js"
      : typeof value === "number"
      ? "jn"
      : "jb";
    return h(
      "div",
      null,
      keyLabel,
      h("span", { class: cls, text: JSON.stringify(value) ?? String(value) }),
    );
  }
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
  const open = isArray ? "[" : "{";
  const close = isArray ? "]" : "}";
  if (!entries.length) {
    return h(
      "div",
      null,
      keyLabel,
      h("span", { class: "jp", text: open + close }),
    );
  }
  const details = h("details");
  details.append(
    h(
      "summary",
      null,
      keyLabel,
      h("span", {
        class: "jp",
        text: `${open} ${
          plural(entries.length, isArray ? "item" : "key")
        } ${close}`,
      }),
    ),
  );
  let filled = false;
  const fill = () => {
    if (filled) return;
    filled = true;
    const ul = h("ul");
    const shown = entries.slice(0, 500);
    for (const [k, v] of shown) {
      ul.append(h("li", null, jsonNode(v, isArray ? null : k, depth + 1)));
    }
    if (entries.length > shown.length) {
      ul.append(
        h("li", {
          class: "jp",
          text: `… ${entries.length - shown.length} more`,
        }),
      );
    }
    details.append(ul);
  };
  // "toggle" fires a moment after opening; a click on the summary (which a
  // key press on it also sends) builds the level before it is shown.
  details.firstElementChild?.addEventListener("click", fill);
  details.addEventListener("toggle", () => details.open && fill());
  if (depth < 2 && entries.length <= 12) {
    fill();
    details.open = true;
  }
  return details;
}
