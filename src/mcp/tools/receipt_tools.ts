/**
 * The MCP tools of the delivery receipts extension (`arcdeno:receipts`):
 * `arc_ack` confirms a message, `arc_receipts` shows who got and confirmed
 * one, `arc_unacked` lists the agent's own messages still waiting for a
 * confirmation.
 *
 * @module
 */

import { z } from "zod";
import { defined } from "../../client/_util.ts";
import type { UnackedOptions } from "../../client/receipts.ts";
import type { HubConnection } from "../connection.ts";
import { IDEMPOTENT, READ, type Tool } from "../register.ts";

const receiptSchema = z.looseObject({
  agent_id: z.string(),
  state: z.enum(["delivered", "surfaced", "acked"]),
  delivered_at: z.string(),
  surfaced_at: z.string().nullable().optional(),
  acked_at: z.string().nullable(),
});

const unackedSchema = z.looseObject({
  message_id: z.number().int(),
  ts: z.string(),
  to_agent: z.string().nullable(),
  channel: z.string(),
  kind: z.string(),
  age_sec: z.number().int(),
  ack_within_sec: z.number().int(),
  overdue: z.boolean(),
  delivered_to: z.array(z.string()),
});

const messageIdInput = z.number().int().positive().describe(
  "The message id.",
);

/** Registers the receipt tools on `tool`. */
export function receiptTools(tool: Tool, conn: HubConnection): void {
  const client = conn.client;

  tool("arc_ack", {
    title: "Acknowledge a message",
    description:
      "Confirm you read a direct message to you or an ack_required broadcast; its sender sees 'acked'. Do it on reading, before the work.",
    input: { message_id: messageIdInput },
    output: { message_id: z.number().int(), receipt: receiptSchema },
    annotations: IDEMPOTENT,
    run: async ({ message_id }) => {
      const result = await client.ack(message_id);
      return {
        summary: `Acknowledged message ${message_id}.`,
        data: { ...result },
      };
    },
  });

  tool("arc_receipts", {
    title: "Delivery receipts of a message",
    description:
      "See who the hub handed a message to and who acknowledged it, and when. Use it on a message you sent to know whether it was read. Only the sender and the recipient of a direct message may read its receipts.",
    input: { message_id: messageIdInput },
    output: {
      message_id: z.number().int(),
      from_agent: z.string(),
      to_agent: z.string().nullable(),
      channel: z.string(),
      tracked: z.boolean(),
      acked: z.boolean(),
      receipts: z.array(receiptSchema),
    },
    annotations: READ,
    run: async ({ message_id }) => {
      const r = await client.receipts(message_id);
      const states = r.receipts.map((x) => `${x.agent_id}: ${x.state}`);
      return {
        summary: r.tracked
          ? `Message ${message_id}: ${
            states.length ? states.join(", ") : "not delivered yet"
          }.`
          : `Message ${message_id} takes no receipts (not a direct message, no ack_required).`,
        data: { ...r },
      };
    },
  });

  tool("arc_unacked", {
    title: "My messages waiting for an acknowledgement",
    description:
      "List the messages you sent that nobody acknowledged yet (direct messages, and broadcasts with ack_required), oldest first, with their age and whether they are overdue. Use it to chase requests that went unanswered.",
    input: {
      limit: z.number().int().min(1).max(500).optional().describe(
        "At most this many (default 100).",
      ),
    },
    output: { messages: z.array(unackedSchema) },
    annotations: READ,
    run: async ({ limit }) => {
      const messages = await client.unacked(defined<UnackedOptions>({ limit }));
      const overdue = messages.filter((m) => m.overdue).length;
      return {
        summary: `${messages.length} message(s) waiting for an acknowledgement${
          overdue ? `, ${overdue} overdue` : ""
        }.`,
        data: { messages },
      };
    },
  });
}
