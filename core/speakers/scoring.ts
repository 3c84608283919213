/**
 * Identification and verification against a speaker store, with optional score normalisation and
 * calibration done by the registry's plugins.
 *
 * Score scales (what a threshold means; a test is accepted when score > threshold):
 * - `cosine` (default): cosine similarity in [-1, 1] between the test embedding and the speaker's model
 *   vector (mean of its L2-normalised enrollment embeddings).
 * - `normalized`: the normaliser's output (slot "normalizer", e.g. `asnorm`: adaptive S-norm, in units
 *   of cohort standard deviations) against the cohort speakers of the store (`speakers enroll --cohort`).
 *   The index returns a shortlist of the `shortlist` best raw cosines; only those are normalised and
 *   re-ranked.
 * - `llr`: with calibration, a natural-log likelihood ratio from the calibrator (slot "calibrator",
 *   default `logreg-calibration` with regularization 1e-3) fitted on the target / non-target scores stored by
 *   {@link fitStoreCalibration}; threshold 0 is the Bayes decision at target prior 0.5 with equal
 *   costs, log((1-p)/p) the one at prior p.
 * @module
 */
import type { Calibrator, ScoreNormalizer } from "../contracts/scorer.ts";
import type { Matrix } from "../matrix.ts";
import type { Registry } from "../registry.ts";
import { Rng } from "../random.ts";
import { cosineSimilarity } from "../math/cosine.ts";
import { StoreError } from "./errors.ts";
import type { ModelId } from "./model_id.ts";
import { canonicalJson } from "./model_id.ts";
import type { Match, SpeakerStore } from "./store.ts";
import type { BackboneSpec } from "./embed.ts";

/** Which scale scores are on. */
export type ScoreScale = "cosine" | "normalized" | "llr";

/** Default thresholds measured for one shipped model by bench/speaker_thresholds.ts. */
export interface MeasuredThresholds {
  /** The zoo name of the model. */
  readonly model: string;
  readonly cosine: number;
  readonly normalized: number;
}

/**
 * Thresholds measured per shipped speaker model, keyed by the model file's sha256 (the store's model
 * id): `models[].cosine.threshold` and `models[].normalized.threshold` of
 * bench/speaker_thresholds.results.json (tests/speakers_thresholds_test.ts checks they are equal; rerun
 * `deno run -A bench/speaker_thresholds.ts` and copy them when a model changes). Protocol: LibriSpeech
 * test-other, the first 6 speakers enrolled from their first 5 utterances, their 30 other utterances vs
 * the 40 of the 4 speakers never enrolled; AS-norm with the top 50 of the first 80 train-clean-100
 * speakers as cohort. Rule: the midpoint between the highest best score of a never-enrolled test and the
 * lowest best score of a correctly identified enrolled test, rounded to the fewest decimals that keep
 * it between them. The results file holds the two figures: the TDNN separates them (cosine 0.716 vs
 * 0.745); the ECAPA does not (0.526 vs 0.455: at 0.49 one never-enrolled test is accepted and one
 * enrolled test rejected), though it ranks all 30 tests right where the TDNN ranks 29.
 */
export const MEASURED_THRESHOLDS: Readonly<Record<string, MeasuredThresholds>> = {
  "9ae5622d7ddc7420df1846b361447e981b12d006cfc68b2612f9792770982451": {
    model: "embedkit-ecapa-librispeech",
    cosine: 0.49,
    normalized: 1.43,
  },
  "04a74ce26b0114c783c18ce3e4be87f96781a1d7d5578dbec35b99a188773605": {
    model: "embedkit-tdnn-librispeech",
    cosine: 0.73,
    normalized: 2.5,
  },
};

/** sha256 of the model the zoo name `embedkit-speaker` resolves to (a test checks it does). */
export const DEFAULT_SPEAKER_MODEL_SHA256 =
  "9ae5622d7ddc7420df1846b361447e981b12d006cfc68b2612f9792770982451";

/**
 * Default thresholds per scale: those measured for the default speaker model (`zoo:embedkit-speaker`,
 * see {@link MEASURED_THRESHOLDS}); LLR 0 is the Bayes decision at prior 0.5. A scorer uses the measured
 * ones of its own model when it is a shipped one ({@link thresholdsFor}), so a store enrolled with the
 * TDNN keeps the TDNN's. Other models need their own (calibrate, or pass --threshold).
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<ScoreScale, number>> = {
  cosine: MEASURED_THRESHOLDS[DEFAULT_SPEAKER_MODEL_SHA256].cosine,
  normalized: MEASURED_THRESHOLDS[DEFAULT_SPEAKER_MODEL_SHA256].normalized,
  llr: 0,
};

/** The default thresholds for a model (by its sha256): measured for it if shipped, else the defaults. */
export function thresholdsFor(modelSha256: string): Readonly<Record<ScoreScale, number>> {
  const m = MEASURED_THRESHOLDS[modelSha256];
  return m ? { cosine: m.cosine, normalized: m.normalized, llr: 0 } : DEFAULT_THRESHOLDS;
}

/** How to score. */
export interface ScoringOptions {
  /** A normaliser plugin (slot "normalizer"), e.g. `{ name: "asnorm", options: { topN: 100 } }`. */
  readonly normalizer?: BackboneSpec;
  /** Use the store's stored calibration (fitted by fitStoreCalibration) through this calibrator. */
  readonly calibrate?: boolean;
  /** Calibrator plugin (slot "calibrator"); default {@link DEFAULT_CALIBRATOR}. */
  readonly calibrator?: BackboneSpec;
  /** Candidates re-scored when normalising (default 50). */
  readonly shortlist?: number;
  /** HNSW `ef_search` (default 100). */
  readonly efSearch?: number;
  /** Exact search instead of HNSW. */
  readonly exact?: boolean;
}

/** A scored candidate. */
export interface Scored {
  readonly name: string;
  /** On the scorer's scale. */
  readonly score: number;
  /** The raw cosine. */
  readonly cosine: number;
}

/**
 * The calibrator used unless one is named: BOSARIS-style logistic regression with a small L2 penalty,
 * because leave-one-out trials of a few well-separated enrolled speakers are often perfectly separable
 * (no finite optimum without it).
 */
export const DEFAULT_CALIBRATOR: BackboneSpec = {
  name: "logreg-calibration",
  options: { regularization: 1e-3 },
};

const specKey = (
  s?: BackboneSpec,
) => (s ? canonicalJson({ name: s.name, options: s.options ?? {} }) : "none");

/** Scores test embeddings against a store's speakers. */
export class SpeakerScorer {
  private constructor(
    readonly store: SpeakerStore,
    readonly model: ModelId,
    readonly opts: ScoringOptions,
    readonly scale: ScoreScale,
    private readonly normalizer?: ScoreNormalizer,
    private readonly cohort?: Matrix,
    private readonly calibrator?: Calibrator,
  ) {}

  /** Prepares plugins, loads the cohort (normalising) and fits the stored calibration (calibrating). */
  static async create(
    store: SpeakerStore,
    registry: Registry,
    model: ModelId,
    opts: ScoringOptions = {},
  ): Promise<SpeakerScorer> {
    await store.requireModel(model, "score");
    let normalizer: ScoreNormalizer | undefined, cohort: Matrix | undefined;
    if (opts.normalizer) {
      normalizer = await registry.create("normalizer", opts.normalizer.name, opts.normalizer.options ?? {});
      const c = await store.embeddingsOf("cohort");
      if (!c.rows.length) {
        throw new StoreError(
          store.where,
          `score normalisation '${opts.normalizer.name}' needs a cohort: enroll impostor speakers (not among ` +
            "those you identify) with 'speakers enroll --cohort NAME FILE...'",
        );
      }
      cohort = stack(c.rows);
    }
    let calibrator: Calibrator | undefined;
    if (opts.calibrate) {
      const cal = opts.calibrator ?? DEFAULT_CALIBRATOR;
      const rows = await store.conn.query(
        "SELECT scores, labels FROM calibrations WHERE model_sha256 = $1::text AND normalizer = $2::text " +
          "AND calibrator = $3::text ORDER BY id DESC LIMIT 1",
        [model.sha256, specKey(opts.normalizer), specKey(cal)],
      );
      if (!rows.length) {
        throw new StoreError(
          store.where,
          `no calibration stored for this model with normaliser ${specKey(opts.normalizer)} and calibrator ` +
            `${specKey(cal)}; run 'speakers calibrate' with the same --normalize/--calibrator first`,
        );
      }
      calibrator = await registry.create("calibrator", cal.name, cal.options ?? {});
      calibrator.fit(
        [Float32Array.from(JSON.parse(String(rows[0].scores)))],
        Int8Array.from(JSON.parse(String(rows[0].labels))),
      );
    }
    const scale: ScoreScale = calibrator ? "llr" : normalizer ? "normalized" : "cosine";
    return new SpeakerScorer(store, model, opts, scale, normalizer, cohort, calibrator);
  }

  /** The default threshold of this scorer's scale, for its model ({@link thresholdsFor}). */
  get defaultThreshold(): number {
    return thresholdsFor(this.model.sha256)[this.scale];
  }

  /** Maps raw cosines of (speaker model, test) pairs to this scorer's scale. */
  rescore(
    models: readonly Float32Array[],
    tests: readonly Float32Array[],
    cosines: Float32Array,
  ): Float32Array {
    let s = cosines;
    if (this.normalizer) {
      const n = cosines.length;
      s = this.normalizer.normalize(cosines, {
        enroll: stack(models),
        test: stack(tests),
        trials: {
          enroll: Int32Array.from({ length: n }, (_, i) => i),
          test: Int32Array.from({ length: n }, (_, i) => i),
        },
        cohort: this.cohort,
      });
    }
    return this.calibrator ? this.calibrator.apply([s]) : s;
  }

  /** The `top` best speakers for one test embedding, best first, on this scorer's scale. */
  async identify(embedding: Float32Array, top: number): Promise<Scored[]> {
    const k = this.normalizer ? Math.max(top, this.opts.shortlist ?? 50) : top;
    const hits: Match[] = await this.store.search(this.model, embedding, k, {
      efSearch: this.opts.efSearch,
      exact: this.opts.exact,
      withVectors: !!this.normalizer,
    });
    if (!hits.length) return [];
    const scores = this.rescore(
      hits.map((h) => h.model ?? new Float32Array(0)),
      hits.map(() => embedding),
      Float32Array.from(hits, (h) => h.score),
    );
    return hits.map((h, i) => ({ name: h.name, score: scores[i], cosine: h.score }))
      .sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : 1)).slice(0, top);
  }

  /** The score of one test embedding against one named speaker (a StoreError when unknown). */
  async verify(name: string, embedding: Float32Array): Promise<Scored> {
    const s = await this.store.speaker(name);
    if (s.role !== "enrolled") {
      throw new StoreError(this.store.where, `'${name}' is a cohort speaker, not an enrolled one`);
    }
    const cos = cosine(s.model, embedding);
    const [score] = this.rescore([s.model], [embedding], Float32Array.of(cos));
    return { name, score, cosine: cos };
  }
}

/** Cosine similarity (float64); 0 when a vector is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return cosineSimilarity(a, b, 0);
}

function stack(rows: readonly Float32Array[]): Matrix {
  const d = rows[0]?.length ?? 0, data = new Float32Array(rows.length * d);
  rows.forEach((r, i) => data.set(r, i * d));
  return { rows: rows.length, cols: d, data };
}

/**
 * Fits nothing itself: builds leave-one-out trials from the enrolled speakers' own utterances (each
 * utterance against its speaker's model without it = target; against up to `nonTargets` other speakers'
 * models = non-target; seeded), scores them like identification does (normaliser included) and stores
 * the scores and labels, which {@link SpeakerScorer.create} fits the calibrator on.
 */
export async function fitStoreCalibration(
  store: SpeakerStore,
  registry: Registry,
  model: ModelId,
  opts: { normalizer?: BackboneSpec; calibrator?: BackboneSpec; nonTargets?: number; seed?: number } = {},
): Promise<{ targets: number; nonTargets: number; seed: number; state: Record<string, unknown> }> {
  await store.requireModel(model, "calibrate");
  const seed = opts.seed ?? 1234, rng = new Rng(seed);
  const { names, rows } = await store.embeddingsOf("enrolled");
  const bySpeaker = new Map<string, number[]>();
  names.forEach((n, i) => bySpeaker.set(n, [...(bySpeaker.get(n) ?? []), i]));
  const speakers = [...bySpeaker.keys()];
  const unit = rows.map((r) => {
    const n = Math.sqrt(r.reduce((s, x) => s + x * x, 0));
    return r.map((x) => x / n);
  });
  const models = new Map(speakers.map((s) => {
    const idx = bySpeaker.get(s)!, m = new Float32Array(model.dim);
    for (const i of idx) for (let j = 0; j < m.length; j++) m[j] += unit[i][j] / idx.length;
    return [s, m];
  }));
  const enroll: Float32Array[] = [], test: Float32Array[] = [], labels: number[] = [];
  for (const s of speakers) {
    const idx = bySpeaker.get(s)!;
    for (const i of idx) {
      if (idx.length >= 2) {
        const m = models.get(s)!, loo = m.map((x, j) => (x * idx.length - unit[i][j]) / (idx.length - 1));
        enroll.push(loo), test.push(rows[i]), labels.push(1);
      }
      const others = speakers.filter((o) => o !== s);
      rng.shuffle(others);
      for (const o of others.slice(0, opts.nonTargets ?? 50)) {
        enroll.push(models.get(o)!), test.push(rows[i]), labels.push(0);
      }
    }
  }
  const nt = labels.filter((l) => l === 1).length;
  if (nt < 2 || labels.length - nt < 2) {
    throw new StoreError(
      store.where,
      `calibration needs target and non-target trials: enroll at least 2 speakers with at least 2 utterances each (have ${nt} target, ${
        labels.length - nt
      } non-target trials)`,
    );
  }
  const scorer = await SpeakerScorer.create(store, registry, model, { normalizer: opts.normalizer });
  const cos = Float32Array.from(enroll, (e, i) => cosine(e, test[i]));
  const scores = scorer.rescore(enroll, test, cos);
  const cal = opts.calibrator ?? DEFAULT_CALIBRATOR;
  const calibrator = await registry.create("calibrator", cal.name, cal.options ?? {});
  calibrator.fit([scores], Int8Array.from(labels));
  await store.conn.query(
    "INSERT INTO calibrations (model_sha256, normalizer, calibrator, scores, labels, source) " +
      "VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text)",
    [
      model.sha256,
      specKey(opts.normalizer),
      specKey(cal),
      JSON.stringify([...scores]),
      JSON.stringify(labels),
      `leave-one-out seed ${seed}`,
    ],
  );
  return { targets: nt, nonTargets: labels.length - nt, seed, state: calibrator.state?.() ?? {} };
}
