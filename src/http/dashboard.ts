/**
 * The page served at `GET /`. It is imported as text, so `deno compile`
 * embeds it and a compiled binary needs no files beside it.
 *
 * @module
 */

import page from "../../dashboard/index.html" with { type: "text" };

/** The operator page's HTML. */
export const DASHBOARD_HTML: string = page;
