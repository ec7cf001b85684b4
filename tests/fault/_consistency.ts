/**
 * Reads a hub's SQLite file directly and checks the invariants the hub must
 * keep whatever it was sent.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

/** Returns a list of broken invariants (empty when the store is sound). */
export function checkConsistency(path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  const problems: string[] = [];
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    const integrity = db.prepare("PRAGMA quick_check").get() as {
      quick_check: string;
    };
    if (integrity.quick_check !== "ok") {
      problems.push(`quick_check: ${integrity.quick_check}`);
    }
    for (
      const row of db.prepare(
        "SELECT agent_id, COUNT(*) AS n FROM sessions WHERE active = 1 GROUP BY agent_id HAVING n > 1",
      ).all() as { agent_id: string; n: number }[]
    ) problems.push(`agent ${row.agent_id} has ${row.n} active sessions`);
    for (
      const row of db.prepare(
        `SELECT t.task_id FROM tasks t LEFT JOIN messages m ON m.id = t.task_id
         WHERE m.id IS NULL OR m.kind NOT IN ('task', 'task_request')`,
      ).all() as { task_id: number }[]
    ) problems.push(`task ${row.task_id} has no task message`);
    const checkJson = (table: string, key: string, columns: string[]) => {
      for (const column of columns) {
        for (
          const row of db.prepare(
            `SELECT ${key} AS k FROM ${table} WHERE NOT json_valid(${column})`,
          ).all() as { k: unknown }[]
        ) problems.push(`${table} ${row.k}: ${column} is not JSON`);
      }
    };
    checkJson("messages", "id", ["attachments_json", "metadata_json"]);
    checkJson("sessions", "session_id", ["capabilities_json", "metadata_json"]);
    checkJson("claims", "claim_key", ["metadata_json"]);
    checkJson("locks", "file_path", ["metadata_json"]);
    checkJson("channels", "name", ["metadata_json"]);
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
    for (
      const row of db.prepare("SELECT id, ts FROM messages").all() as {
        id: number;
        ts: string;
      }[]
    ) if (!iso.test(row.ts)) problems.push(`message ${row.id}: ts ${row.ts}`);
    for (
      const row of db.prepare(
        "SELECT claim_key AS k, expires_at AS e FROM claims UNION ALL SELECT file_path, expires_at FROM locks",
      ).all() as { k: string; e: string }[]
    ) {
      if (!iso.test(row.e)) {
        problems.push(`lease ${row.k}: expires_at ${row.e}`);
      }
    }
    const maxId = db.prepare("SELECT COALESCE(MAX(id), 0) AS m FROM messages")
      .get() as { m: number };
    if (maxId.m > Number.MAX_SAFE_INTEGER) problems.push("id past 2^53 - 1");
  } finally {
    db.close();
  }
  return problems;
}
