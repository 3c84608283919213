/**
 * Embedding a data set in shards into the store's `embeddings` table, keyed by (audio sha256, model
 * sha256): any number of independent workers, each given `--shard k/N`, together write every
 * utterance exactly once, the same rows one worker would write.
 *
 * - Shard membership: utterance id (the data dir's relative path without extension, or the wav.scp
 *   key) hashed with FNV-1a, modulo N; k is 0-based (Kubernetes' JOB_COMPLETION_INDEX, Slurm's
 *   `--array=0-(N-1)`). It depends on the id only, so it does not change when the manifest grows.
 * - Resumable: each batch first asks which of its audio hashes the table already holds for this model
 *   and embeds only the others; each batch is one INSERT ... ON CONFLICT DO NOTHING, so a worker killed
 *   mid-way loses at most its current batch, and running it again finishes the shard without duplicates.
 * @module
 */
import type { Registry } from "../registry.ts";
import { loadDataDir } from "../data/datasets.ts";
import { fnv1a } from "../hash.ts";
import { Progress } from "../progress.ts";
import { type BackboneSpec, DEFAULT_SAMPLE_RATE, embedAudio, openBackbone, readAudioBytes } from "./embed.ts";
import type { SpeakerStore } from "./store.ts";
import { vectorText } from "./sql.ts";

/** One shard of N (k is 0-based). */
export interface Shard {
  readonly k: number;
  readonly n: number;
}

/** Parses `k/N` (0 <= k < N); throws a message that shows the form. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const k = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1) || !(k >= 0 && k < n)) {
    throw new RangeError(
      `--shard must be k/N with 0 <= k < N (k is 0-based: Kubernetes JOB_COMPLETION_INDEX, Slurm --array=0-(N-1)), got '${text}'`,
    );
  }
  return { k, n };
}

/** The shard an utterance id belongs to. */
export function shardOf(id: string, n: number): number {
  return fnv1a(id) % n;
}

/** What one worker did. */
export interface ShardReport {
  readonly shard: string;
  /** Utterances of the data set in this shard. */
  readonly assigned: number;
  /** Already in the table for this model (skipped). */
  readonly present: number;
  /** Embedded and written now. */
  readonly written: number;
  readonly model: { sha256: string; frontend: string; backbone: string; dim: number };
}

/** Embeds shard `shard` of `dataDir` with `backbone` into `store`'s embeddings table. */
export async function embedShard(
  store: SpeakerStore,
  registry: Registry,
  backbone: BackboneSpec,
  dataDir: string,
  shard: Shard,
  opts: { batch?: number; sampleRate?: number; onBatch?: (written: number) => void | Promise<void> } = {},
): Promise<ShardReport> {
  const { utts } = await loadDataDir(dataDir);
  const mine = utts.filter((u) => u.path && shardOf(u.id, shard.n) === shard.k);
  const ob = await openBackbone(registry, backbone, opts.sampleRate ?? DEFAULT_SAMPLE_RATE);
  const batch = opts.batch ?? 16, label = `${shard.k}/${shard.n}`;
  const bar = new Progress(`embed shard ${label}`, mine.length);
  let present = 0, written = 0;
  try {
    for (let i = 0; i < mine.length; i += batch) {
      const part = mine.slice(i, i + batch);
      const files = await Promise.all(part.map((u) => readAudioBytes(u.path!)));
      const have = new Set(
        (await store.conn.query<{ a: string }>(
          "SELECT audio_sha256 AS a FROM embeddings WHERE model_sha256 = $1::text AND audio_sha256 = ANY($2::text[])",
          [ob.model.sha256, files.map((f) => f.sha256)],
        )).map((r) => r.a),
      );
      const todo = files.map((f, j) => ({ f, u: part[j] })).filter(({ f }) => !have.has(f.sha256));
      present += part.length - todo.length;
      if (todo.length) {
        const embs = await embedAudio(ob, todo.map((t) => t.f));
        const rows = await store.conn.query(
          "INSERT INTO embeddings (audio_sha256, model_sha256, frontend, utterance, speaker, path, seconds, dim, " +
            "embedding, shard) SELECT a, $2::text, $3::text, u, s, p, sec, $4::int, e, $5::text FROM unnest(" +
            "$1::text[], $6::text[], $7::text[], $8::text[], $9::real[], $10::text[]::vector[]) AS x(a, u, s, p, sec, e) " +
            "ON CONFLICT (audio_sha256, model_sha256) DO NOTHING RETURNING audio_sha256",
          [
            embs.map((e) => e.audioSha256),
            ob.model.sha256,
            ob.model.frontend,
            ob.model.dim,
            label,
            todo.map((t) => t.u.id),
            todo.map((t) => t.u.speaker),
            todo.map((t) => t.u.path!),
            embs.map((e) => e.seconds),
            embs.map((e) => vectorText(e.embedding)),
          ],
        );
        written += rows.length;
        present += todo.length - rows.length;
      }
      bar.tick(part.length);
      await opts.onBatch?.(written);
    }
  } finally {
    await ob.backbone.dispose?.();
  }
  bar.done();
  return {
    shard: label,
    assigned: mine.length,
    present,
    written,
    model: {
      sha256: ob.model.sha256,
      frontend: ob.model.frontend,
      backbone: ob.model.backbone,
      dim: ob.model.dim,
    },
  };
}
