/**
 * The speaker store: speakers, their enrollment utterance embeddings and model vectors, in PostgreSQL
 * with pgvector (embedded PGlite dir or a server; the same schema, core/speakers/schema.ts).
 *
 * Conventions:
 * - A speaker's model vector is the mean of its L2-normalised utterance embeddings (pgvector
 *   `avg(l2_normalize(embedding))`, accumulated in float64), recomputed in SQL from every stored
 *   utterance each time the speaker changes. It is not re-normalised: cosine scoring ignores its norm.
 * - Enrolling is one transaction: the speaker row, every utterance row and the model update commit
 *   together or not at all. The speaker's row is locked (`SELECT ... FOR UPDATE`) before its
 *   utterances are added and the model is recomputed from all committed utterances, so two processes
 *   enrolling the same name at once both land (appending), and none overwrites the other's average.
 * - Scores are cosine similarities in [-1, 1] between a test embedding and a speaker's model vector,
 *   computed by pgvector as 1 - (a <=> b) in float64 from the float32 vectors.
 * - Search: the HNSW index (half precision by default, core/speakers/schema.ts) returns the k + 10 nearest
 *   candidates by its own distance, which are re-ranked by the exact score; `exact` scans every row.
 * @module
 */
import type { SqlConn, SqlRunner } from "./sql.ts";
import { num, parseVector, vectorText } from "./sql.ts";
import {
  DEFAULT_HNSW,
  HNSW_INDEX,
  hnswIndexSql,
  type HnswParams,
  indexExpr,
  type IndexType,
  indexTypeOf,
  lockForSchema,
  migrate,
  modelExpr,
} from "./schema.ts";
import { checkSameModel, type ModelId } from "./model_id.ts";
import { StoreError } from "./errors.ts";
import type {
  EnrollItem,
  EnrollResult,
  Match,
  SearchOptions,
  SpeakerInfo,
  SpeakerRole,
  StoredHook,
} from "./store_types.ts";
import { meanOfNormalised, unit } from "./model_vector.ts";

export type * from "./store_types.ts";
export { meanOfNormalised } from "./model_vector.ts";

/** Candidates beyond k the index returns for re-ranking by the exact score. */
const RERANK_EXTRA = 10;

/** Speakers, utterances and model vectors in one PostgreSQL/PGlite database. */
export class SpeakerStore {
  #binding: ModelId | undefined;
  /** The HNSW index's element type; null = no index; undefined = not read yet. */
  #indexType: IndexType | null | undefined;

  /** Wraps an open connection; use {@link openSpeakerStore} (core/speakers/open.ts). */
  constructor(readonly conn: SqlConn) {}

  /** "pglite" or "postgres". */
  get kind(): "pglite" | "postgres" {
    return this.conn.kind;
  }

  /** The dir or (password-less) URL, for messages. */
  get where(): string {
    return this.conn.where;
  }

  /** Applies pending schema migrations (done by openSpeakerStore). */
  async migrate(): Promise<number[]> {
    return await migrate(this.conn);
  }

  /** The embedding space this store is bound to, or undefined before the first enrollment. */
  async binding(runner: SqlRunner = this.conn): Promise<ModelId | undefined> {
    if (this.#binding) return this.#binding;
    const rows = await runner.query("SELECT model_sha256, frontend, dim, backbone FROM embedkit_store");
    if (!rows.length) return undefined;
    const r = rows[0];
    return this.#binding = {
      sha256: String(r.model_sha256),
      frontend: String(r.frontend),
      dim: num(r.dim),
      backbone: String(r.backbone),
    };
  }

  /** Refuses a different model; throws when the store is still empty (nothing to search). */
  async requireModel(model: ModelId, action: string): Promise<ModelId> {
    const bound = await this.binding();
    if (!bound) {
      throw new StoreError(
        this.where,
        `the store is empty: no speaker is enrolled yet; run 'speakers enroll' first`,
      );
    }
    checkSameModel(this.where, bound, model, action);
    return bound;
  }

  /** Binds an empty store to `model` (and creates its HNSW index), or checks it is the bound one. */
  async #bind(tx: SqlRunner, model: ModelId): Promise<void> {
    let bound = await this.binding(tx);
    if (!bound) {
      await lockForSchema(tx);
      this.#binding = undefined;
      bound = await this.binding(tx);
      if (!bound) {
        await tx.query(
          "INSERT INTO embedkit_store (model_sha256, frontend, dim, backbone) VALUES ($1::text, $2::text, $3::int, $4::text)",
          [model.sha256, model.frontend, model.dim, model.backbone],
        );
        await tx.query(hnswIndexSql(model.dim));
        this.#binding = undefined; // committed only with the transaction; re-read next time
        this.#indexType = undefined;
        return;
      }
    }
    checkSameModel(this.where, bound, model, "enroll");
  }

  /** Enrolls (or adds utterances to) one speaker in one transaction. */
  async enroll(
    name: string,
    model: ModelId,
    items: readonly EnrollItem[],
    opts: { role?: SpeakerRole; onStored?: StoredHook } = {},
  ): Promise<EnrollResult> {
    const [r] = await this.enrollMany(model, [{ name, items }], opts);
    return r;
  }

  /**
   * Enrolls several speakers in ONE transaction (bulk loading): all of them land or none does.
   * Speakers that exist already get the new utterances added (same role required).
   */
  async enrollMany(
    model: ModelId,
    speakers: readonly { name: string; items: readonly EnrollItem[] }[],
    opts: { role?: SpeakerRole; onStored?: StoredHook } = {},
  ): Promise<EnrollResult[]> {
    const role = opts.role ?? "enrolled";
    const names = speakers.map((s) => checkName(this.where, s.name));
    if (new Set(names).size !== names.length) {
      throw new StoreError(
        this.where,
        "a speaker appears twice in one enrollment batch; merge its utterances",
      );
    }
    for (const s of speakers) {
      if (!s.items.length) {
        throw new StoreError(
          this.where,
          `no utterances to enroll for '${s.name}'; give at least one audio file`,
        );
      }
      for (const it of s.items) {
        if (it.embedding.length !== model.dim) {
          throw new StoreError(
            this.where,
            `${it.source}: embedding has ${it.embedding.length} values but model ${
              model.sha256.slice(0, 12)
            }… makes ${model.dim}-d embeddings; the backbone returned a wrong dimension`,
          );
        }
      }
    }
    const result = await this.conn.transaction(async (tx) => {
      await this.#bind(tx, model);
      const first = speakers.map((s) => vectorText(meanOfNormalised(s.items.map((i) => i.embedding))));
      await tx.query(
        "INSERT INTO speakers (name, role, model_sha256, frontend, n_utterances, model) " +
          "SELECT n, $2::text, $3::text, $4::text, 0, m FROM unnest($1::text[], $5::text[]::vector[]) AS u(n, m) " +
          "ON CONFLICT (name) DO NOTHING",
        [names, role, model.sha256, model.frontend, first],
      );
      const locked = await tx.query<{ id: unknown; name: string; role: string }>(
        "SELECT id::text AS id, name, role FROM speakers WHERE name = ANY($1::text[]) ORDER BY id FOR UPDATE",
        [names],
      );
      const ids = new Map(locked.map((r) => [r.name, String(r.id)]));
      for (const r of locked) {
        if (r.role !== role) {
          throw new StoreError(
            this.where,
            `'${r.name}' is already in the store as a ${r.role} speaker; remove it first ('speakers remove') or use another name`,
          );
        }
      }
      const rows = speakers.flatMap((s) => s.items.map((it) => ({ id: ids.get(s.name)!, it })));
      const inserted = await tx.query<{ speaker_id: unknown }>(
        "INSERT INTO utterances (speaker_id, audio_sha256, source, seconds, model_sha256, frontend, embedding) " +
          "SELECT sid, sha, src, sec, $5::text, $6::text, emb FROM unnest($1::bigint[], $2::text[], $3::text[], " +
          "$4::real[], $7::text[]::vector[]) AS u(sid, sha, src, sec, emb) " +
          "ON CONFLICT (speaker_id, audio_sha256) DO NOTHING RETURNING speaker_id::text AS speaker_id",
        [
          rows.map((r) => r.id),
          rows.map((r) => r.it.audioSha256),
          rows.map((r) => r.it.source),
          rows.map((r) => r.it.seconds ?? null),
          model.sha256,
          model.frontend,
          rows.map((r) => vectorText(r.it.embedding)),
        ],
      );
      const addedBy = new Map<string, number>();
      for (const r of inserted) {
        addedBy.set(String(r.speaker_id), (addedBy.get(String(r.speaker_id)) ?? 0) + 1);
      }
      const counts = await tx.query<{ id: unknown; n: unknown }>(
        "UPDATE speakers s SET model = a.m, n_utterances = a.n, updated_at = now() FROM (" +
          "SELECT speaker_id, avg(l2_normalize(embedding)) AS m, count(*)::int AS n FROM utterances " +
          "WHERE speaker_id = ANY($1::bigint[]) GROUP BY speaker_id) a WHERE s.id = a.speaker_id " +
          "RETURNING s.id::text AS id, s.n_utterances AS n",
        [[...ids.values()]],
      );
      const total = new Map(counts.map((r) => [String(r.id), num(r.n)]));
      if (opts.onStored) {
        for (const s of speakers) await opts.onStored(s.name, addedBy.get(ids.get(s.name)!) ?? 0);
      }
      return speakers.map((s) => {
        const id = ids.get(s.name)!, added = addedBy.get(id) ?? 0;
        return {
          name: s.name,
          role,
          added,
          duplicates: s.items.length - added,
          utterances: total.get(id) ?? 0,
        };
      });
    });
    return result;
  }

  /** The k enrolled speakers closest to `query` by cosine (HNSW unless `exact`), best first. */
  async search(model: ModelId, query: Float32Array, k: number, opts: SearchOptions = {}): Promise<Match[]> {
    const bound = await this.requireModel(model, "search");
    if (query.length !== bound.dim) {
      throw new StoreError(
        this.where,
        `query embedding has ${query.length} values, the store holds ${bound.dim}-d ones`,
      );
    }
    const d = bound.dim, e = modelExpr(d);
    this.#indexType ??= (await indexTypeOf(this.conn)) ?? null;
    const type = this.#indexType ?? DEFAULT_HNSW.type ?? "halfvec";
    const candidates = opts.exact ? k : k + RERANK_EXTRA;
    const ef = Math.max(candidates, Math.min(1000, opts.efSearch ?? 100));
    // the index's distance to the unit-length query (cosine ignores length; half floats stay in range)
    const order = opts.exact ? `${e} <=> $1::vector(${d})` : `${indexExpr(d, type)} <=> $4::${type}(${d})`;
    const params: unknown[] = [vectorText(query), k, candidates];
    if (!opts.exact) params.push(vectorText(unit(query)));
    return await this.conn.transaction(async (tx) => {
      if (opts.exact) await tx.query("SET LOCAL enable_indexscan = off");
      else await tx.query(`SET LOCAL hnsw.ef_search = ${ef | 0}`);
      const rows = await tx.query<{ name: string; n: unknown; score: unknown; v?: string }>(
        "SELECT name, n, score" + (opts.withVectors ? ", model::text AS v" : "") + " FROM (" +
          `SELECT name, n_utterances AS n, model, 1 - (${e} <=> $1::vector(${d})) AS score FROM speakers ` +
          `WHERE role = 'enrolled' ORDER BY ${order} LIMIT $3::int) c ORDER BY score DESC, name LIMIT $2::int`,
        params,
      );
      return rows.map((r) => ({
        name: r.name,
        score: num(r.score),
        utterances: num(r.n),
        ...(r.v ? { model: parseVector(r.v) } : {}),
      }));
    });
  }

  /** A speaker's model vector and row, or a StoreError naming the enrolled speakers' count and the fix. */
  async speaker(name: string): Promise<SpeakerInfo & { model: Float32Array }> {
    const rows = await this.conn.query(
      "SELECT name, role, n_utterances, model_sha256, created_at::text AS c, updated_at::text AS u, model::text AS v " +
        "FROM speakers WHERE name = $1::text",
      [name],
    );
    if (!rows.length) {
      const [{ n }] = await this.conn.query<{ n: unknown }>("SELECT count(*)::int AS n FROM speakers");
      throw new StoreError(
        this.where,
        `unknown speaker ${JSON.stringify(name)} (${
          num(n)
        } in the store); check the name with 'speakers list' ` +
          "or enroll it first with 'speakers enroll'",
      );
    }
    return { ...info(rows[0]), model: parseVector(rows[0].v) };
  }

  /** Speakers by name (keyset pages of `limit` after the name `after`). */
  async list(opts: { limit?: number; after?: string; role?: SpeakerRole } = {}): Promise<SpeakerInfo[]> {
    const rows = await this.conn.query(
      "SELECT name, role, n_utterances, model_sha256, created_at::text AS c, updated_at::text AS u FROM speakers " +
        "WHERE name > $1::text AND ($3::text IS NULL OR role = $3::text) ORDER BY name LIMIT $2::int",
      [opts.after ?? "", opts.limit ?? 2147483647, opts.role ?? null],
    );
    return rows.map(info);
  }

  /** Number of speakers (of a role) and utterances. */
  async counts(): Promise<{ enrolled: number; cohort: number; utterances: number }> {
    const [r] = await this.conn.query(
      "SELECT (SELECT count(*) FROM speakers WHERE role = 'enrolled')::int AS e, " +
        "(SELECT count(*) FROM speakers WHERE role = 'cohort')::int AS c, (SELECT count(*) FROM utterances)::int AS u",
    );
    return { enrolled: num(r.e), cohort: num(r.c), utterances: num(r.u) };
  }

  /** Removes a speaker and its utterances (one transaction); a StoreError when unknown. */
  async remove(name: string): Promise<{ name: string; utterances: number }> {
    const s = await this.speaker(name);
    await this.conn.query("DELETE FROM speakers WHERE name = $1::text", [name]);
    return { name, utterances: s.utterances };
  }

  /** Utterance embeddings of a speaker. */
  async utterances(
    name: string,
  ): Promise<{ audioSha256: string; source: string; seconds: number | null; embedding: Float32Array }[]> {
    const rows = await this.conn.query(
      "SELECT u.audio_sha256, u.source, u.seconds, u.embedding::text AS v FROM utterances u JOIN speakers s " +
        "ON s.id = u.speaker_id WHERE s.name = $1::text ORDER BY u.id",
      [name],
    );
    return rows.map((r) => ({
      audioSha256: String(r.audio_sha256),
      source: String(r.source),
      seconds: r.seconds === null ? null : num(r.seconds),
      embedding: parseVector(r.v),
    }));
  }

  /** Every utterance embedding of the given role with its speaker (cohorts for AS-norm, calibration). */
  async embeddingsOf(role: SpeakerRole): Promise<{ names: string[]; rows: Float32Array[] }> {
    const rows = await this.conn.query<{ name: string; v: string }>(
      "SELECT s.name, u.embedding::text AS v FROM utterances u JOIN speakers s ON s.id = u.speaker_id " +
        "WHERE s.role = $1::text ORDER BY s.name, u.id",
      [role],
    );
    return { names: rows.map((r) => r.name), rows: rows.map((r) => parseVector(r.v)) };
  }

  /** Drops the HNSW index (bulk loads build it once afterwards, which is much faster than row by row). */
  async dropIndex(): Promise<void> {
    await this.conn.query(`DROP INDEX IF EXISTS ${HNSW_INDEX}`);
    this.#indexType = undefined;
  }

  /** (Re)builds the HNSW index with the given parameters; returns the seconds it took. */
  async buildIndex(params: HnswParams = DEFAULT_HNSW): Promise<number> {
    const bound = await this.binding();
    if (!bound) throw new StoreError(this.where, "the store is empty; enroll speakers before indexing");
    const t0 = performance.now();
    await this.conn.query(`DROP INDEX IF EXISTS ${HNSW_INDEX}`);
    this.#indexType = undefined;
    await this.conn.query(hnswIndexSql(bound.dim, params));
    return (performance.now() - t0) / 1000;
  }

  /** Closes the connection (releases the embedded store's lock). */
  async close(): Promise<void> {
    await this.conn.close();
  }
}

function info(r: Record<string, unknown>): SpeakerInfo {
  return {
    name: String(r.name),
    role: r.role as SpeakerRole,
    utterances: num(r.n_utterances),
    modelSha256: String(r.model_sha256),
    createdAt: String(r.c),
    updatedAt: String(r.u),
  };
}

function checkName(where: string, name: string): string {
  if (typeof name !== "string" || !name.trim() || name !== name.trim() || name.length > 512) {
    throw new StoreError(
      where,
      `speaker name ${
        JSON.stringify(name)
      } is not allowed: give 1-512 characters without leading/trailing spaces`,
    );
  }
  return name;
}
