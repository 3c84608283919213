/**
 * The speaker store's schema: one list of migrations that both stores (PGlite and a PostgreSQL server
 * with pgvector) apply in order, each in a transaction, recorded in `embedkit_migrations`. On a server
 * the migration transaction holds an advisory lock, so processes opening a fresh database at once
 * migrate it exactly once.
 *
 * Tables (migration 1):
 * - `embedkit_store`: one row, the embedding space the store holds: the backbone's model sha256, its front
 *   end (JSON), the dimension and the backbone spec it was bound with. Set by the first enrollment; a
 *   later enrollment or search with another model or front end is refused.
 * - `speakers`: one row per name: `role` ('enrolled' is searched; 'cohort' only feeds AS-norm), the
 *   speaker's model vector (`model`: the mean of the L2-normalised utterance embeddings), how many
 *   utterances it averages, and the model sha256 / front end that made them.
 * - `utterances`: every enrollment utterance embedding, keyed by (speaker, audio sha256): enrolling the
 *   same audio twice for one speaker adds nothing.
 * - `embeddings`: the output of the sharded `embed` command, keyed by (audio sha256, model sha256), so N
 *   workers (or a worker restarted after a crash) fill it exactly once.
 * - `calibrations`: target / non-target scores a calibrator is fitted on (`speakers calibrate`).
 *
 * Vectors are pgvector `vector` columns without a fixed dimension (one schema for any backbone), kept
 * in float32. The HNSW index over speakers' model vectors is an expression index, created when the store
 * is bound to a model ({@link hnswIndexSql}): by default on `model::halfvec(<dim>)` (half precision:
 * half the index memory and build time of float32, pgvector's advice for large indexes; stores made
 * before hold it on `model::vector(<dim>)`, which keeps working). Searches order by the index's
 * expression and re-rank the candidates by the exact float32 cosine.
 * @module
 */
import type { SqlConn, SqlRunner } from "./sql.ts";

/** One schema step. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every migration, oldest first. Append new ones; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "speakers, utterances, embeddings, calibrations",
    sql: `
CREATE TABLE embedkit_store (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  model_sha256 text NOT NULL,
  frontend text NOT NULL,
  dim integer NOT NULL CHECK (dim > 0),
  backbone text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE speakers (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  role text NOT NULL DEFAULT 'enrolled' CHECK (role IN ('enrolled', 'cohort')),
  model_sha256 text NOT NULL,
  frontend text NOT NULL,
  n_utterances integer NOT NULL,
  model vector NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE utterances (
  id bigserial PRIMARY KEY,
  speaker_id bigint NOT NULL REFERENCES speakers (id) ON DELETE CASCADE,
  audio_sha256 text NOT NULL,
  source text NOT NULL,
  seconds real,
  model_sha256 text NOT NULL,
  frontend text NOT NULL,
  embedding vector NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (speaker_id, audio_sha256)
);
CREATE TABLE embeddings (
  audio_sha256 text NOT NULL,
  model_sha256 text NOT NULL,
  frontend text NOT NULL,
  utterance text NOT NULL,
  speaker text,
  path text NOT NULL,
  seconds real,
  dim integer NOT NULL,
  embedding vector NOT NULL,
  shard text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (audio_sha256, model_sha256)
);
CREATE TABLE calibrations (
  id bigserial PRIMARY KEY,
  model_sha256 text NOT NULL,
  normalizer text NOT NULL,
  calibrator text NOT NULL,
  scores text NOT NULL,
  labels text NOT NULL,
  source text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);`,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Advisory lock key the migration and bind transactions hold on a server ("embedkit" in ASCII, folded). */
export const LOCK_KEY = 0x656d626b;

/** Name of the HNSW index over enrolled speakers' model vectors. */
export const HNSW_INDEX = "speakers_model_hnsw";

/** What the HNSW index stores per speaker: `halfvec` (16-bit floats) or `vector` (32-bit floats). */
export type IndexType = "halfvec" | "vector";

/** HNSW build parameters (pgvector defaults m 16, ef_construction 64). */
export interface HnswParams {
  readonly m: number;
  readonly efConstruction: number;
  /** Element type of the index (default `halfvec`). */
  readonly type?: IndexType;
}

/** Default HNSW parameters (bench/speaker_store_bench.ts measures others). */
export const DEFAULT_HNSW: HnswParams = { m: 16, efConstruction: 64, type: "halfvec" };

/** The exact float32 model vector of dimension `dim`: scores and exact search use it. */
export function modelExpr(dim: number): string {
  return `(model::vector(${dim | 0}))`;
}

/** The expression an index of `type` holds (searches order by it to use the index). */
export function indexExpr(dim: number, type: IndexType): string {
  return type === "halfvec" ? `(model::halfvec(${dim | 0}))` : modelExpr(dim);
}

/** `CREATE INDEX` of the HNSW cosine index over enrolled speakers' model vectors of dimension `dim`. */
export function hnswIndexSql(dim: number, p: HnswParams = DEFAULT_HNSW): string {
  const type = p.type ?? "halfvec";
  return `CREATE INDEX IF NOT EXISTS ${HNSW_INDEX} ON speakers USING hnsw (${
    indexExpr(dim, type)
  } ${type}_cosine_ops) ` +
    `WITH (m = ${p.m | 0}, ef_construction = ${p.efConstruction | 0}) WHERE role = 'enrolled'`;
}

/** The element type of the store's HNSW index, or undefined when it has none. */
export async function indexTypeOf(runner: SqlRunner): Promise<IndexType | undefined> {
  const rows = await runner.query<{ def: string }>(
    "SELECT indexdef AS def FROM pg_indexes WHERE indexname = $1::text",
    [HNSW_INDEX],
  );
  if (!rows.length) return undefined;
  return /halfvec_cosine_ops/.test(rows[0].def) ? "halfvec" : "vector";
}

/** Applies pending migrations, each in its own transaction; returns the versions applied. */
export async function migrate(conn: SqlConn): Promise<number[]> {
  const applied: number[] = [];
  await conn.transaction(async (tx) => {
    await lockForSchema(tx);
    await tx.query(
      "CREATE TABLE IF NOT EXISTS embedkit_migrations (version integer PRIMARY KEY, name text NOT NULL, " +
        "applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const done = new Set(
      (await tx.query<{ version: number }>("SELECT version FROM embedkit_migrations")).map((r) =>
        Number(r.version)
      ),
    );
    const newer = [...done].filter((v) => v > SCHEMA_VERSION);
    if (newer.length) {
      throw new Error(
        `${conn.where}: the store has schema version ${
          Math.max(...newer)
        } but this embedkit knows up to ${SCHEMA_VERSION}; upgrade embedkit`,
      );
    }
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const stmt of m.sql.split(";").map((s) => s.trim()).filter(Boolean)) await tx.query(stmt);
      await tx.query("INSERT INTO embedkit_migrations (version, name) VALUES ($1::int, $2::text)", [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
  });
  return applied;
}

/** Serialises schema changes across processes (a no-op cost on PGlite, which has one). */
export async function lockForSchema(tx: SqlRunner): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
}
