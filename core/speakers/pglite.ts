/**
 * The embedded store: PGlite (npm `@electric-sql/pglite` 0.3.x: PostgreSQL compiled to WASM, with its
 * pgvector build from the `/vector` export) in a store dir: `<dir>/pgdata` holds PGlite's cluster,
 * `<dir>/.embedkit.lock` the lock.
 *
 * PGlite runs one PostgreSQL backend inside this process; two processes on one data dir would corrupt
 * it. So the dir is guarded by an exclusive advisory lock (`flock` through `Deno.FsFile.tryLock`) on
 * `<dir>/.embedkit.lock`, taken before PGlite opens the dir and held until {@link SqlConn.close} (the OS
 * drops it when the process dies, so a crash never leaves a stale lock). A second process is refused at
 * once with the holder's pid and the fix. `idb://` and `memory://` dirs (browsers, tests) take no lock.
 * @module
 */
import type { Row, SqlConn, SqlRunner } from "./sql.ts";
import { StoreError } from "./errors.ts";

/** Lock file name inside the store dir. */
export const LOCK_FILE = ".embedkit.lock";
/** PGlite's own data dir inside the store dir (PGlite refuses to initialise a dir holding other files). */
export const DATA_SUBDIR = "pgdata";

interface PgliteLike {
  query<T>(q: string, p?: unknown[]): Promise<{ rows: T[] }>;
  exec(q: string): Promise<unknown>;
  transaction<T>(
    fn: (tx: { query<R>(q: string, p?: unknown[]): Promise<{ rows: R[] }> }) => Promise<T>,
  ): Promise<T>;
  close(): Promise<void>;
}

async function takeLock(dir: string): Promise<Deno.FsFile> {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${LOCK_FILE}`;
  const f = await Deno.open(path, { read: true, write: true, create: true });
  let got = false;
  try {
    got = await f.tryLock(true);
  } catch (e) {
    f.close();
    throw new StoreError(dir, `cannot lock ${path} (${(e as Error).message}); check the dir's permissions`);
  }
  if (!got) {
    const holder = (await Deno.readTextFile(path).catch(() => "")).trim();
    f.close();
    throw new StoreError(
      dir,
      `the embedded store is in use by another process${holder ? ` (${holder})` : ""}; PGlite serves one ` +
        "process per data dir. Wait for it to finish, or use a PostgreSQL server (--db postgres://...) " +
        "for several processes at once",
    );
  }
  await f.truncate(0);
  await f.write(new TextEncoder().encode(`pid ${Deno.pid} since ${new Date().toISOString()}\n`));
  return f;
}

/** Opens (creating when new) a PGlite data dir with pgvector, holding its lock. */
export async function openPglite(dir: string): Promise<SqlConn> {
  const virtual = /^(idb|memory|opfs-ahp):\/\//.test(dir);
  const lock = virtual ? undefined : await takeLock(dir);
  let db: PgliteLike;
  try {
    const { PGlite } = await import("@electric-sql/pglite");
    const { vector } = await import("@electric-sql/pglite/vector");
    const dataDir = virtual ? dir : `${dir}/${DATA_SUBDIR}`;
    db = await PGlite.create({ dataDir, extensions: { vector } }) as unknown as PgliteLike;
    await db.exec("CREATE EXTENSION IF NOT EXISTS vector");
  } catch (e) {
    lock?.close();
    if (e instanceof StoreError) throw e;
    throw new StoreError(
      dir,
      `cannot open the embedded store (${(e as Error).message}); is it a PGlite data dir? ` +
        "Give an empty or new dir to create one",
      { cause: e },
    );
  }
  const runner = (q: { query<R>(q: string, p?: unknown[]): Promise<{ rows: R[] }> }): SqlRunner => ({
    async query<T extends Row = Row>(text: string, params: readonly unknown[] = []) {
      return (await q.query<T>(text, [...params])).rows;
    },
  });
  let closed = false;
  return {
    kind: "pglite",
    where: dir,
    ...runner(db),
    async exec(text) {
      await db.exec(text);
    },
    transaction: (fn) => db.transaction((tx) => fn(runner(tx))),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        lock?.close();
      }
    },
  };
}
