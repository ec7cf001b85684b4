/**
 * Picks the {@linkcode IdentityStore} that lives beside a store.
 *
 * @module
 */

import type { IdentityStore } from "./identity.ts";
import { PostgresIdentityStore } from "./identity_postgres.ts";
import { SqliteIdentityStore } from "./identity_sqlite.ts";
import { PostgresStore } from "./postgres.ts";
import { SqliteStore } from "./sqlite.ts";
import type { Store } from "./types.ts";

const cache = new WeakMap<Store, IdentityStore>();

/**
 * The identity store that lives beside `store`, on the same connection.
 *
 * @throws {TypeError} for a store of a kind that has no identity backend
 */
export function identityStoreFor(store: Store): IdentityStore {
  let found = cache.get(store);
  if (found) return found;
  if (store instanceof SqliteStore) {
    found = new SqliteIdentityStore(store.connection);
  } else if (store instanceof PostgresStore) {
    found = new PostgresIdentityStore(() => store.connection);
  } else {
    throw new TypeError(
      `Cannot keep agent secrets as the store backend '${store.info.backend}' has no identity table`,
    );
  }
  cache.set(store, found);
  return found;
}
