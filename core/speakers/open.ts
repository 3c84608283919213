/**
 * `openSpeakerStore(db)`: a directory is an embedded PGlite store (created when new, locked while
 * open), a `postgres://` / `postgresql://` URL a PostgreSQL server with pgvector. Either way the
 * schema is migrated to this version before the store is returned.
 * @module
 */
import { openPglite } from "./pglite.ts";
import { openPostgres } from "./postgres.ts";
import { SpeakerStore } from "./store.ts";
import { StoreError } from "./errors.ts";

/** True when `db` names a server rather than a data dir. */
export function isServerUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** Opens a store and migrates its schema. Close it when done (the embedded store is locked meanwhile). */
export async function openSpeakerStore(
  db: string,
  opts: { maxConnections?: number } = {},
): Promise<SpeakerStore> {
  if (!db) {
    throw new StoreError("--db", "give a data dir (embedded store) or a postgres:// URL (server store)");
  }
  const conn = isServerUrl(db) ? await openPostgres(db, opts) : await openPglite(db);
  const store = new SpeakerStore(conn);
  try {
    await store.migrate();
  } catch (e) {
    await conn.close().catch(() => {});
    if (e instanceof StoreError) throw e;
    throw new StoreError(conn.where, `cannot prepare the schema: ${(e as Error).message}`, { cause: e });
  }
  return store;
}
