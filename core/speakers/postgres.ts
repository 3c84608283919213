/**
 * The server store: PostgreSQL with pgvector through npm `postgres` (porsager/postgres 3.4, a maintained
 * pure-JS client; in Deno it runs on node:net, so it needs `--allow-net=<host>:<port>`).
 *
 * Opening checks, in order, and names the fix for each failure: the server answers (else "unreachable":
 * start it / fix host and port), the role may log in and the database exists, and pgvector is enabled
 * in that database (else: not installed on the server, or installed but this role may not
 * `CREATE EXTENSION vector`).
 * @module
 */
import postgres from "postgres";
import type { Row, SqlConn, SqlRunner } from "./sql.ts";
import { redactUrl, StoreError } from "./errors.ts";

type Sql = ReturnType<typeof postgres>;

interface PgError extends Error {
  code?: string;
  errno?: string;
}

function describeConnectError(where: string, url: URL, e: PgError): StoreError {
  const code = e.code ?? e.errno ?? "";
  const host = `${url.hostname || "localhost"}:${url.port || 5432}`;
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|CONNECT_TIMEOUT|ECONNRESET|EAI_AGAIN/.test(code)) {
    return new StoreError(
      where,
      `cannot reach the PostgreSQL server at ${host} (${code}); start the server, or fix the host and ` +
        "port in the URL (postgres://USER[:PASSWORD]@HOST:PORT/DATABASE)",
      { cause: e },
    );
  }
  if (code === "3D000") {
    return new StoreError(
      where,
      `database '${url.pathname.slice(1)}' does not exist on ${host}; create it (createdb ${
        url.pathname.slice(1)
      }) or name another one in the URL`,
      { cause: e },
    );
  }
  if (code === "28P01" || code === "28000") {
    return new StoreError(
      where,
      `the server refused the login (${e.message}); fix the user/password in the URL`,
      {
        cause: e,
      },
    );
  }
  if (e.name === "NotCapable" || /Requires net access/i.test(e.message)) {
    return new StoreError(
      where,
      `Deno may not connect to ${host}; run with --allow-net=${host}`,
      { cause: e },
    );
  }
  return new StoreError(where, `cannot connect to the server: ${e.message}`, { cause: e });
}

/** Makes sure pgvector is enabled in the database, naming the fix when it cannot be. */
async function ensureVector(sql: Sql, where: string, db: string): Promise<void> {
  const have = await sql.unsafe("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
  if (have.length) return;
  const available = await sql.unsafe(
    "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'",
  );
  if (!available.length) {
    throw new StoreError(
      where,
      "the pgvector extension is not installed on this PostgreSQL server; install it (Debian/Ubuntu: " +
        "apt-get install postgresql-15-pgvector where packaged, or build it: tar xzf pgvector-0.8.6.tar.gz && " +
        "make && make install PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config), then run it again",
    );
  }
  try {
    await sql.unsafe("CREATE EXTENSION IF NOT EXISTS vector");
  } catch (e) {
    const code = (e as PgError).code;
    if (code === "42501") {
      throw new StoreError(
        where,
        `pgvector is installed on the server but not enabled in database '${db}', and this role may not ` +
          `enable it; ask a superuser to run: psql -d ${db} -c 'CREATE EXTENSION vector'`,
        { cause: e },
      );
    }
    if (code !== "23505" && code !== "42710") throw e; // another process created it just now: fine
  }
}

/** Connects to a PostgreSQL server (`postgres://` or `postgresql://` URL) with pgvector. */
export async function openPostgres(
  urlText: string,
  opts: { maxConnections?: number } = {},
): Promise<SqlConn> {
  const where = redactUrl(urlText);
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new StoreError(where, "not a valid URL; write postgres://USER[:PASSWORD]@HOST:PORT/DATABASE");
  }
  const sql = postgres(urlText, {
    max: opts.maxConnections ?? 2,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 30,
  });
  try {
    await sql.unsafe("SELECT 1");
  } catch (e) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw describeConnectError(where, url, e as PgError);
  }
  try {
    await ensureVector(sql, where, decodeURIComponent(url.pathname.slice(1)) || "postgres");
  } catch (e) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw e;
  }
  const runner = (q: Sql | postgres.TransactionSql): SqlRunner => ({
    async query<T extends Row = Row>(text: string, params: readonly unknown[] = []) {
      // deno-lint-ignore no-explicit-any
      const rows = await q.unsafe(text, params as any[]);
      return [...rows] as unknown as T[];
    },
  });
  let closed = false;
  return {
    kind: "postgres",
    where,
    ...runner(sql),
    async exec(text) {
      await sql.unsafe(text);
    },
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      return await sql.begin((tx) => fn(runner(tx))) as T;
    },
    async close() {
      if (closed) return;
      closed = true;
      await sql.end({ timeout: 5 });
    },
  };
}
