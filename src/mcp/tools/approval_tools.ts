/**
 * The MCP tool of the approvals extension (`arcdeno:approvals`):
 * `arc_request_approval` asks the human operator to allow or deny something
 * and blocks until the operator decides (on the dashboard) or the request
 * expires.
 *
 * @module
 */

import { z } from "zod";
import type { Approval } from "../../client/approvals.ts";
import type { HubConnection } from "../connection.ts";
import { type Tool, WRITE } from "../register.ts";

/** Longest a tool call waits for the operator (hosts time tool calls out). */
const MAX_WAIT_SEC = 3_600;
/** Longest single long-poll. */
const POLL_SEC = 30;

/** Registers the approval tool on `tool`. */
export function approvalTools(tool: Tool, conn: HubConnection): void {
  const client = conn.client;

  tool("arc_request_approval", {
    title: "Ask the operator for approval",
    description:
      "Ask the human operator to allow or deny a risky step (deploy, delete, push, spend) and wait for the answer, which they give on the Arc dashboard. Returns status 'allowed', 'denied' (with their note) or 'expired' (no answer in time: do not proceed).",
    input: {
      title: z.string().min(1).max(200).describe(
        "One line: what you want to do, e.g. 'Deploy build 812 to production'.",
      ),
      detail: z.string().max(20_000).optional().describe(
        "Why, and what exactly will run.",
      ),
      choices: z.array(z.string().min(1).max(100)).max(10).optional()
        .describe("Options the operator may pick from when allowing."),
      timeout_sec: z.number().int().min(1).max(MAX_WAIT_SEC).optional()
        .describe("Seconds to wait for an answer (default 300)."),
    },
    output: {
      id: z.string(),
      status: z.enum(["pending", "allowed", "denied", "expired"]),
      decided_by: z.string().nullable(),
      note: z.string().nullable(),
      choice: z.string().nullable(),
    },
    annotations: WRITE,
    run: async ({ title, detail, choices, timeout_sec }, extra) => {
      const timeoutSec = timeout_sec ?? 300;
      const asked = await client.requestApproval(title, {
        timeoutSec,
        metadata: { source: "mcp" },
        ...(detail !== undefined ? { detail } : {}),
        ...(choices !== undefined ? { choices } : {}),
      });
      const deadline = Date.now() + timeoutSec * 1000;
      let answer: Approval = asked;
      while (answer.status === "pending" && !extra.signal.aborted) {
        const left = Math.ceil((deadline - Date.now()) / 1000);
        if (left <= 0) break;
        answer = await client.approval(asked.id, {
          waitSec: Math.min(left, POLL_SEC),
          signal: extra.signal,
        });
      }
      const by = answer.decided_by ? ` by ${answer.decided_by}` : "";
      const note = answer.note ? `: ${answer.note}` : "";
      const summary = answer.status === "allowed"
        ? `Allowed${by}${answer.choice ? ` (${answer.choice})` : ""}${note}.`
        : answer.status === "denied"
        ? `Denied${by}${note}. Do not proceed.`
        : `No answer in time (${answer.status}). Do not proceed.`;
      return {
        summary,
        data: {
          id: answer.id,
          status: answer.status,
          decided_by: answer.decided_by,
          note: answer.note,
          choice: answer.choice,
        },
      };
    },
  });
}
