/**
 * The MCP tools of channels: `arc_create_channel` and `arc_list_channels`.
 *
 * @module
 */

import { z } from "zod";
import type { HubConnection } from "../connection.ts";
import { IDEMPOTENT, READ, type Tool } from "../register.ts";
import { channelSchema } from "../schemas.ts";

/** Registers the channel tools on `tool`. */
export function channelTools(tool: Tool, conn: HubConnection): void {
  const client = conn.client;

  tool("arc_create_channel", {
    title: "Create a channel",
    description:
      "Create a channel, or get it if it already exists. Posts to a channel that does not exist are refused, so create one before its first post. Use channels for standing topics (e.g. 'reviews'); for one piece of work prefer a thread_id in 'general'.",
    input: {
      name: z.string().trim().min(1).describe("The channel name."),
    },
    output: { channel: channelSchema },
    annotations: IDEMPOTENT,
    run: async ({ name }) => {
      const channel = await client.createChannel(name);
      return {
        summary: `Channel #${channel.name} is ready.`,
        data: { channel },
      };
    },
  });

  tool("arc_list_channels", {
    title: "List channels",
    description:
      "List the hub's channels. Use it to find where a topic is discussed before creating a new channel.",
    input: {},
    output: { channels: z.array(channelSchema) },
    annotations: READ,
    run: async () => {
      const channels = await client.listChannels();
      return {
        summary: `${channels.length} channel(s): ${
          channels.map((c) => c.name).join(", ")
        }.`,
        data: { channels },
      };
    },
  });
}
