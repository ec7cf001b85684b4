/**
 * The hub's domain objects as the layers above it (HTTP, relay, MCP, CLI)
 * see them. They are the store's row shapes; the layers above import them
 * from here, never from the store.
 *
 * @module
 */

export type * from "../store/types.ts";
