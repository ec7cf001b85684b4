// @ts-check
/// <reference lib="dom" />

/**
 * The hub itself: its version and footer, remote access, and shutdown.
 *
 * @module
 */

import { api, ApiError } from "../api.js";
import { $, countdown, duration, errorText, h } from "../dom.js";
import { hubNow, KINDS, state } from "../state.js";
import { toast } from "../ui.js";

/** @import { HubInfo } from "../types.d.ts" */

/** Reloads what the hub says about itself. */
export async function refreshInfo() {
  /** @type {HubInfo} */
  const info = await api("GET", "/v1/hub-info");
  state.hubInfo = info;
  state.allowRemote = info.allow_remote === true;
  state.listenHost = info.arcdeno?.listen_host ?? state.listenHost;
  const ttl = info.arcdeno?.presence_ttl_sec;
  if (typeof ttl === "number" && Number.isFinite(ttl)) state.presenceTtl = ttl;
  renderInfo();
}

/** The hub's version, footer and the message kinds it takes. */
export function renderInfo() {
  const info = state.hubInfo;
  if (!info) return;
  $("hub-version").textContent = `${info.implementation ?? "hub"} ${
    info.implementation_version ?? ""
  } · protocol v${info.protocol_version ?? "?"}`;
  renderRemote();
  $("hub-footer").textContent = [
    `instance ${info.instance_id ?? state.instance ?? "?"}`,
    `storage ${info.storage_path ?? "?"}`,
    info.arcdeno?.backend ? `backend ${info.arcdeno.backend}` : null,
    `listening on ${state.listenHost || "?"}`,
    Array.isArray(info.features)
      ? `features: ${info.features.join(", ")}`
      : null,
  ].filter(Boolean).join("  ·  ");
  const select = $("kind-select", HTMLSelectElement);
  const offered = Array.isArray(info.message_kinds) ? info.message_kinds : [];
  const kinds = offered.length
    ? KINDS.filter((k) => offered.includes(k))
      .concat(offered.filter((k) => !KINDS.includes(k)))
    : KINDS;
  if (select.options.length !== kinds.length) {
    const value = select.value || "chat";
    select.replaceChildren(
      ...kinds.map((k) => h("option", { value: k, text: k })),
    );
    select.value = kinds.includes(value) ? value : "chat";
  }
}

function renderRemote() {
  const button = $("remote-toggle");
  button.setAttribute("aria-checked", state.allowRemote ? "true" : "false");
  $("remote-label").textContent = `Remote access ${
    state.allowRemote ? "on" : "off"
  }`;
  button.title = `The hub listens on ${state.listenHost || "?"}. ${
    state.allowRemote
      ? "Peers on other machines are served."
      : "Only this machine is served."
  } Click to turn it ${state.allowRemote ? "off" : "on"}.`;
}

/**
 * @param {boolean} on
 */
export async function setNetwork(on) {
  let result;
  try {
    result = await api("POST", "/v1/network", { allow_remote: on });
  } catch (error) {
    throw new ApiError(
      error instanceof ApiError ? error.status : 0,
      `Could not turn remote access ${on ? "on" : "off"}: ${errorText(error)}`,
    );
  }
  state.allowRemote = result.allow_remote === true;
  state.listenHost = result.listen_host ?? state.listenHost;
  renderRemote();
  toast(`Remote access is ${state.allowRemote ? "on" : "off"}.`, "ok");
}

/** Reloads whether a hub shutdown is armed, and when it comes. */
export async function refreshShutdown() {
  const status = await api("GET", "/v1/shutdown");
  if (status && typeof status.remaining_sec === "number") {
    const deadline = hubNow() + status.remaining_sec * 1000;
    // Keep the smoother local countdown unless it drifted by more than a second.
    if (
      !state.shutdown || Math.abs(state.shutdown.deadline - deadline) > 1500
    ) {
      state.shutdown = { deadline, delay: status.delay_sec };
    }
  } else if (!state.shuttingDown) {
    state.shutdown = null;
  }
  renderShutdown();
}

/** The shutdown banner and its countdown. */
export function renderShutdown() {
  const banner = $("shutdown-banner");
  const s = state.shutdown;
  banner.hidden = !s;
  if (!s) return;
  const left = (s.deadline - hubNow()) / 1000;
  if (left <= 0 || state.shuttingDown) {
    $("shutdown-text").textContent = "The hub is shutting down now.";
    $("shutdown-countdown").textContent = "";
    $("shutdown-cancel").hidden = true;
  } else {
    $("shutdown-text").textContent = "Hub shutdown armed: stopping in";
    $("shutdown-countdown").textContent = countdown(Math.ceil(left));
    $("shutdown-cancel").hidden = false;
  }
}

/**
 * @param {number} sec
 */
export async function armShutdown(sec) {
  const result = await api("POST", "/v1/shutdown", { delay_sec: sec });
  if (sec === 0) {
    state.shuttingDown = true;
    state.shutdown = { deadline: hubNow(), delay: 0 };
  } else {
    state.shutdown = {
      deadline: hubNow() + (result.remaining_sec ?? sec) * 1000,
      delay: sec,
    };
  }
  renderShutdown();
  toast(
    sec === 0
      ? "The hub is shutting down now."
      : `Hub shutdown armed: ${duration(sec)}.`,
    "ok",
  );
}

/** Cancels an armed hub shutdown. */
export async function cancelShutdown() {
  await api("POST", "/v1/shutdown/cancel", {});
  state.shutdown = null;
  renderShutdown();
  toast("Hub shutdown cancelled.", "ok");
}
