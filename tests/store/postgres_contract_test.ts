/**
 * The store contract suites against a real PostgreSQL server
 * (`ARC_TEST_PG_URL`). A file of its own beside `postgres_test.ts` (what only
 * the PostgreSQL store guarantees), so that the two run side by side.
 */
import { openRecycledStore, PG_URL, pgTest } from "../postgres/_pg.ts";
import { storeContract, type StoreOpener } from "./contract.ts";
import { identityContract } from "./identity_contract.ts";
import { receiptsContract } from "./receipts_contract.ts";
import { approvalsContract } from "./approvals_contract.ts";
import { queueContract } from "./queue_contract.ts";
import { searchContract } from "./search_contract.ts";
import { exportContract } from "./export_contract.ts";
import { exportVendorContract } from "./export_vendor_contract.ts";
import { reserveContract } from "./reserve_contract.ts";
import { taskDepsContract } from "./task_deps_contract.ts";
import { retentionContract } from "./retention_contract.ts";

/**
 * The contract suites open their stores on migrated schemas that are emptied
 * between tests rather than migrated afresh for each (see openRecycledStore).
 */
const openPostgres: StoreOpener = (clock) => openRecycledStore(clock);

if (PG_URL) {
  storeContract("PostgresStore", openPostgres);
  identityContract("PostgresStore", openPostgres);
  receiptsContract("PostgresStore", openPostgres);
  approvalsContract("PostgresStore", openPostgres);
  queueContract("PostgresStore", openPostgres);
  taskDepsContract("PostgresStore", openPostgres);
  retentionContract("PostgresStore", openPostgres);
  reserveContract("PostgresStore", openPostgres);
  searchContract("PostgresStore", openPostgres);
  exportContract("PostgresStore", openPostgres);
  exportVendorContract("PostgresStore", openPostgres);
} else {
  pgTest("PostgresStore contract suite", () => Promise.resolve());
}
