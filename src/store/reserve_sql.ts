/**
 * The SQL of each reservation write, shared by both backends (`?`
 * placeholders; PostgreSQL numbers them).
 *
 * @module
 */

import { HOLDER_ROW, type ReserveWrite } from "./reserve.ts";
import type { Statement } from "./sql.ts";

/** The statement and parameters of one write. */
export function writeSql(write: ReserveWrite): Statement {
  switch (write.op) {
    case "lock_put": {
      const h = write.holder;
      return {
        text:
          `INSERT INTO locks (file_path, agent_id, locked_at, expires_at, released_at, metadata_json)
          VALUES (?, ?, ?, ?, NULL, ?)
          ON CONFLICT (file_path) DO UPDATE SET agent_id = excluded.agent_id,
            locked_at = excluded.locked_at, expires_at = excluded.expires_at,
            released_at = NULL, metadata_json = excluded.metadata_json`,
        params: [
          h.file_path,
          h.agent_id,
          h.locked_at,
          h.expires_at,
          JSON.stringify(h.metadata),
        ],
      };
    }
    case "lock_extend":
      return {
        text: "UPDATE locks SET expires_at = ? WHERE file_path = ?",
        params: [write.expires_at, write.file_path],
      };
    case "lock_release":
      return {
        text: "UPDATE locks SET released_at = ? WHERE file_path = ?",
        params: [write.at, write.file_path],
      };
    case "holder_put":
      return HOLDER_ROW.insert(
        "arcdeno_lock_holders",
        { ...write.holder, released_at: null },
        ` ON CONFLICT (file_path, agent_id) DO UPDATE SET mode = excluded.mode,
            fence = excluded.fence, locked_at = excluded.locked_at,
            expires_at = excluded.expires_at, released_at = NULL,
            metadata_json = excluded.metadata_json, primary_row = excluded.primary_row`,
      );
    case "holder_extend":
      return {
        text: `UPDATE arcdeno_lock_holders SET expires_at = ?, mode = ?
          WHERE file_path = ? AND agent_id = ?`,
        params: [write.expires_at, write.mode, write.file_path, write.agent_id],
      };
    case "holder_release":
      return {
        text: `UPDATE arcdeno_lock_holders SET released_at = ?
          WHERE file_path = ? AND agent_id = ? AND released_at IS NULL`,
        params: [write.at, write.file_path, write.agent_id],
      };
  }
}
