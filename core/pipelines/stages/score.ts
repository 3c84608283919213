/**
 * Scoring stages: trial scores (a trial scorer, or the last back-end adapter's own score(), e.g. PLDA
 * log-likelihood ratios), score normalisation (S-norm, AS-norm with a cohort), fusion of several
 * systems and calibration to log-likelihood ratios. Plugins come from the run's registry by slot.
 * @module
 */
import type { TrialIndex } from "../../contracts/scorer.ts";
import { ConfigError } from "../../errors.ts";
import type { Matrix } from "../../matrix.ts";
import { create, pluginKey, type Resolved, type Run } from "./context.ts";
import { applyAdapter, type BackendData, backendKey, fitAdapter } from "./backend.ts";

/** Stage `score-<label>`: one score per trial from a trial scorer. */
export function scoreTrials(
  run: Run,
  x: Matrix,
  trials: TrialIndex,
  scorer: Resolved<"trial-scorer">,
  stage: string,
): Promise<Float32Array> {
  return run.stages.stage(stage, { config: { scorer: pluginKey(scorer) }, inputs: [x, trials] }, async () => {
    const sc = await create(run, scorer);
    return sc.score(x, x, trials);
  });
}

/**
 * Stage `score-<label>`: scores from the last back-end adapter's own score() (PLDA llrs). The back-end
 * is refitted here to get live adapters (a cached back-end output is a matrix, not an adapter).
 */
export function scoreWithBackend(
  run: Run,
  x0: Matrix,
  trials: TrialIndex,
  adapters: readonly Resolved<"adapter">[],
  d: BackendData,
  stage: string,
): Promise<Float32Array> {
  const last = adapters.at(-1);
  if (!last) {
    throw new ConfigError(run.name, "backendScores needs a back-end adapter with score() (e.g. plda)");
  }
  return run.stages.stage(stage, {
    config: { backendScores: true, ...(backendKey(adapters, d) as object) },
    inputs: [x0, trials],
  }, async () => {
    let x = x0;
    for (const a of adapters.slice(0, -1)) x = applyAdapter(await fitAdapter(run, a, x, d), x, d);
    const ad = await fitAdapter(run, last, x, d);
    if (!ad.score) {
      throw new ConfigError(run.name, `adapter '${last.name}' has no score(); drop backendScores`);
    }
    const full = ad.score(x, x);
    return Float32Array.from(trials.enroll, (e, t) => full[e * x.rows + trials.test[t]]);
  });
}

/** Stage `normalize-<label>`: normalised scores, the cohort being `cohort` (default: the eval embeddings). */
export function normalizeScores(
  run: Run,
  scores: Float32Array,
  x: Matrix,
  trials: TrialIndex,
  normalizer: Resolved<"normalizer">,
  stage: string,
  cohort: Matrix = x,
): Promise<Float32Array> {
  return run.stages.stage(stage, {
    config: { normalizer: pluginKey(normalizer) },
    inputs: [scores, x, trials, cohort],
  }, async () => {
    const n = await create(run, normalizer);
    return n.normalize(scores, { enroll: x, test: x, trials, cohort });
  });
}

/** Stage `fusion`: one calibrated/fused score per trial from several systems, fitted on `labels`. */
export function fuseScores(
  run: Run,
  systems: readonly Float32Array[],
  labels: Int8Array,
  fuser: Resolved<"calibrator">,
  stage = "fusion",
): Promise<Float32Array> {
  return run.stages.stage(
    stage,
    { config: { fuser: pluginKey(fuser) }, inputs: [...systems, labels] },
    async () => {
      const f = await create(run, fuser);
      f.fit(systems, labels);
      return f.apply(systems);
    },
  );
}

/** Stage `calibrate-<i>`: one system's scores mapped to log-likelihood ratios, fitted on `labels`. */
export function calibrateScores(
  run: Run,
  scores: Float32Array,
  labels: Int8Array,
  calibrator: Resolved<"calibrator">,
  stage: string,
): Promise<Float32Array> {
  return fuseScores(run, [scores], labels, calibrator, stage);
}
