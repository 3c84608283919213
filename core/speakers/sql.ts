/**
 * The one SQL interface both speaker stores run on: PGlite (embedded, core/speakers/pglite.ts) and a
 * PostgreSQL server through npm `postgres` (core/speakers/postgres.ts). Store logic is written once
 * against {@link SqlConn}; only opening, locking and error translation differ.
 *
 * Vectors travel as pgvector's text form `[v1,v2,...]` and are cast in SQL (`$1::vector`). Each
 * float32 is written as the shortest decimal of its double value, which parses back to the same
 * float32, so nothing is lost on the way in or out.
 * @module
 */

/** Rows of a query, as plain objects. */
export type Row = Record<string, unknown>;

/** What a query or statement runs on: a connection or an open transaction. */
export interface SqlRunner {
  /** Runs one statement with `$1..$n` parameters; returns its rows. */
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

/** A connection to one store. */
export interface SqlConn extends SqlRunner {
  /** "pglite" (embedded dir) or "postgres" (server URL). */
  readonly kind: "pglite" | "postgres";
  /** The data dir, or the URL without its password: for messages. */
  readonly where: string;
  /** Runs several `;`-separated statements without parameters (schema migrations). */
  exec(text: string): Promise<void>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Closes the connection (and releases the data dir's lock). */
  close(): Promise<void>;
}

/** pgvector text of a vector. */
export function vectorText(v: ArrayLike<number>): string {
  let s = "[";
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) throw new RangeError(`vector component ${i} is ${x}; embeddings must be finite`);
    s += (i ? "," : "") + String(x);
  }
  return s + "]";
}

/** Parses pgvector text `[1,2.5,...]` into a Float32Array. */
export function parseVector(text: unknown): Float32Array {
  if (typeof text !== "string" || text[0] !== "[" || text[text.length - 1] !== "]") {
    throw new TypeError(`expected pgvector text '[...]', got ${String(text).slice(0, 40)}`);
  }
  const body = text.slice(1, -1);
  if (!body) return new Float32Array(0);
  const parts = body.split(",");
  const out = new Float32Array(parts.length);
  for (let i = 0; i < parts.length; i++) out[i] = Number(parts[i]);
  return out;
}

/** A number from a numeric/bigint column (postgres returns int8 as a string, PGlite as a number). */
export function num(v: unknown): number {
  return typeof v === "number" ? v : Number(v);
}
