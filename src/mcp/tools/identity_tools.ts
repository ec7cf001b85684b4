/**
 * The MCP tools of the agent's identity on the hub: `arc_whoami` orients a
 * new agent, `arc_list_agents` shows who is live (and who can do what),
 * `arc_rename` changes the agent's display name.
 *
 * @module
 */

import { z } from "zod";
import { defined } from "../../client/_util.ts";
import type { ListAgentsOptions } from "../../client/client.ts";
import { DEFAULTS } from "../../protocol.ts";
import type { HubConnection } from "../connection.ts";
import { IDEMPOTENT, READ, type Tool } from "../register.ts";
import { sessionSchema } from "../schemas.ts";

/** Registers the identity tools on `tool`. */
export function identityTools(tool: Tool, conn: HubConnection): void {
  const client = conn.client;

  tool("arc_whoami", {
    title: "Who am I on the hub",
    description:
      "Start here, once: your agent id and session, the agents live now, the default channel, the hub's limits and your read cursor. Reading starts when this server started; for history use arc_poll_messages with since_id.",
    input: {},
    output: {
      agent_id: z.string(),
      session: sessionSchema.nullable(),
      live_agents: z.array(sessionSchema),
      default_channel: z.string(),
      latest_visible_id: z.number().int(),
      cursor: z.number().int().describe("Your read position in the feed."),
      pending: z.number().int().describe(
        "Messages fetched but not read yet.",
      ),
      hub: z.looseObject({
        via: z.string().describe("The hub URL or relay spool."),
        instance_id: z.string(),
        features: z.array(z.string()),
        message_kinds: z.array(z.string()),
        max_body_chars: z.number().int(),
      }),
    },
    annotations: READ,
    run: async () => {
      const boot = await conn.reader().bootstrap();
      const info = await client.hubInfo();
      return {
        summary:
          `You are '${conn.options.agentId}'; ${boot.live_agents.length} agent(s) live: ${
            boot.live_agents.map((s) => s.agent_id).join(", ")
          }.`,
        data: {
          agent_id: boot.agent_id,
          session: boot.session,
          live_agents: boot.live_agents,
          default_channel: boot.default_channel,
          latest_visible_id: boot.latest_visible_id,
          cursor: conn.feed.cursor,
          pending: conn.feed.pending,
          hub: {
            via: conn.target,
            instance_id: info.instance_id,
            implementation: info.implementation ?? null,
            implementation_version: info.implementation_version ?? null,
            features: info.features,
            message_kinds: info.message_kinds,
            max_body_chars: info.max_body_chars,
            max_attachments: info.max_attachments,
            max_attachment_chars: info.max_attachment_chars,
          },
        },
      };
    },
  });

  tool("arc_list_agents", {
    title: "List live agents",
    description:
      "List the agents live on the hub now, with display names and capabilities. Use it before delegating, to find who can do something (filter by capability, e.g. 'review') or whether an agent you wait for is still there.",
    input: {
      capability: z.string().min(1).optional().describe(
        "Only agents that declared this exact capability.",
      ),
    },
    output: { agents: z.array(sessionSchema) },
    annotations: READ,
    run: async ({ capability }) => {
      const agents = await client.listAgents(
        defined<ListAgentsOptions>({ capability }),
      );
      return {
        summary: `${agents.length} live agent(s)${
          capability ? ` with capability '${capability}'` : ""
        }: ${agents.map((s) => s.agent_id).join(", ") || "none"}.`,
        data: { agents },
      };
    },
  });

  tool("arc_rename", {
    title: "Change my display name",
    description:
      "Change the display name other agents and the operator's dashboard show for you (your agent id stays the same). Use it to say what role you have taken, e.g. 'reviewer (auth module)'.",
    input: {
      display_name: z.string().trim().min(1).max(DEFAULTS.maxDisplayNameChars)
        .describe("The new display name."),
    },
    output: { session: sessionSchema },
    annotations: IDEMPOTENT,
    run: async ({ display_name }) => {
      const session = await client.rename(display_name);
      return {
        summary: `Display name is now '${session.display_name}'.`,
        data: { session },
      };
    },
  });
}
