/**
 * The store contract suites against a real PostgreSQL server
 * (`ARC_TEST_PG_URL`). A file of its own beside `postgres_test.ts` (what only
 * the PostgreSQL store guarantees), so that the two run side by side.
 */
import { PG_URL, pgTest, SchemaPool } from "../postgres/_pg.ts";
import { storeContract, type StoreOpener } from "./contract.ts";
import { identityContract } from "./identity_contract.ts";
import { receiptsContract } from "./receipts_contract.ts";
import { approvalsContract } from "./approvals_contract.ts";
import { searchContract } from "./search_contract.ts";
import { exportContract } from "./export_contract.ts";
import { exportVendorContract } from "./export_vendor_contract.ts";
import { reserveContract } from "./reserve_contract.ts";
import { taskDepsContract } from "./task_deps_contract.ts";
import { retentionContract } from "./retention_contract.ts";

/**
 * The contract suites open their stores on migrated schemas that are emptied
 * between tests rather than migrated afresh for each (see SchemaPool).
 */
const schemas = new SchemaPool();
const openPostgres: StoreOpener = (clock) => schemas.open(clock);

if (PG_URL) {
  storeContract("PostgresStore", openPostgres);
  identityContract("PostgresStore", openPostgres);
  receiptsContract("PostgresStore", openPostgres);
  approvalsContract("PostgresStore", openPostgres);
  taskDepsContract("PostgresStore", openPostgres);
  retentionContract("PostgresStore", openPostgres);
  reserveContract("PostgresStore", openPostgres);
  searchContract("PostgresStore", openPostgres);
  exportContract("PostgresStore", openPostgres);
  exportVendorContract("PostgresStore", openPostgres);
} else {
  pgTest("PostgresStore contract suite", () => Promise.resolve());
}

// Registered last, so it runs after every contract test (tests in a file run
// in the order they are registered).
pgTest(
  "PostgresStore: (last) drop the schemas the contract suites shared",
  async () => {
    await schemas.drop();
  },
);
