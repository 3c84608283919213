/**
 * Evaluation: the one place that turns metric plugins' outputs into the figures pipelines report,
 * and so the one owner of their names ("EER %", "minDCF 0.01", "Cllr", "DER %", ...). Every metric comes
 * from the run's registry (slot `metric`); one that is not registered is skipped with a note.
 * @module
 */
import type { Metric } from "../../contracts/scorer.ts";
import { type Turn, uemFromTurns } from "../../diarization/rttm.ts";
import type { Matrix } from "../../matrix.ts";
import { status } from "../../progress.ts";
import type { Run } from "./context.ts";

async function metric(
  run: Run,
  name: string,
  options: Record<string, unknown> = {},
): Promise<Metric | undefined> {
  if (run.registry.has("metric", name)) return await run.registry.create("metric", name, options);
  status(`metric plugin '${name}' is not registered; skipping it`);
  return undefined;
}

/** Verification figures: EER %, minDCF at P 0.01 and 0.05, Cllr and minCllr. */
export async function verificationFigures(
  run: Run,
  scores: Float32Array | Float64Array,
  labels: Int8Array,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const input = { scores: scores as Float32Array, labels };
  const e = (await metric(run, "eer"))?.compute(input) ?? {};
  if ("eer" in e) out["EER %"] = e.eer * 100;
  const d = (await metric(run, "min-dcf", { pTargets: [0.01, 0.05] }))?.compute(input) ?? {};
  if ("minDcf@0.01" in d) out["minDCF 0.01"] = d["minDcf@0.01"];
  if ("minDcf@0.05" in d) out["minDCF 0.05"] = d["minDcf@0.05"];
  const c = (await metric(run, "cllr"))?.compute(input) ?? {};
  if ("cllr" in c) out["Cllr"] = c.cllr;
  if ("minCllr" in c) out["minCllr"] = c.minCllr;
  return out;
}

/** Diarization scoring conventions (md-eval collar: ±collar around each reference boundary). */
export interface DiarizationScoring {
  /** Collar in seconds, md-eval convention. */
  readonly collar: number;
  /** Ignore overlapped reference speech. */
  readonly skipOverlap: boolean;
}

/** Diarization figures: DER % split into missed / false alarm / confusion, and JER %. */
export async function diarizationFigures(
  run: Run,
  reference: readonly Turn[],
  hypothesis: readonly Turn[],
  s: DiarizationScoring,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  // the hypothesis is scored as the reference's recording
  const hyp = hypothesis.map((t) => ({ ...t, file: reference[0]?.file ?? t.file }));
  const der = await metric(run, "der", {
    collar: s.collar,
    collarConvention: "md-eval",
    skipOverlap: s.skipOverlap,
    uemFrom: "ref",
  });
  if (der) {
    const d = der.compute({ reference, hypothesis: hyp });
    Object.assign(out, {
      "DER %": d.der,
      "missed %": d.missedRate,
      "false alarm %": d.falseAlarmRate,
      "confusion %": d.confusionRate,
    });
  }
  const jer = await metric(run, "jer");
  if (jer) out["JER %"] = jer.compute({ reference, hypothesis: hyp }).jer;
  // speech activity (judges the VAD or the segmentation) with the same no-score zones as the DER
  // (pyannote's collar is the total width: 2 x the md-eval collar), and cluster/speaker consistency
  const det = await metric(run, "detection", { collar: 2 * s.collar, skipOverlap: s.skipOverlap });
  if (det) {
    const d = det.compute({ reference, hypothesis: hyp, uem: uemFromTurns(reference) });
    Object.assign(out, {
      "detection error %": 100 * d.detectionErrorRate,
      "speech precision %": 100 * d.precision,
      "speech recall %": 100 * d.recall,
    });
  }
  const pc = (await metric(run, "purity-coverage"))?.compute({ reference, hypothesis: hyp });
  if (pc) Object.assign(out, { "purity %": 100 * pc.purity, "coverage %": 100 * pc.coverage });
  return out;
}

/** Clustering figures against true labels: accuracy (Hungarian), NMI, ARI, purity. */
export async function clusterFigures(
  run: Run,
  labelsTrue: readonly (string | number)[],
  labelsPred: ArrayLike<number>,
): Promise<Record<string, number>> {
  const m = await metric(run, "cluster-metrics");
  return m ? m.compute({ labelsTrue, labelsPred: Array.from(labelsPred) }) : {};
}

/** Retrieval figures per Matryoshka dim: dim -> metric -> value (sentence-transformers IR evaluator names). */
export async function retrievalFigures(
  run: Run,
  queries: Matrix,
  corpus: Matrix,
  relevant: readonly (readonly number[])[],
  dims: readonly number[],
): Promise<Record<string, Record<string, number>>> {
  const m = await metric(run, "ir-metrics", { dims: [...dims] });
  const flat = m?.compute({ queries, corpus, relevant }) ?? {};
  const out: Record<string, Record<string, number>> = {};
  for (const [k, v] of Object.entries(flat)) {
    const mm = /^dim_(\d+)_(.+)$/.exec(k);
    if (mm) (out[mm[1]] ??= {})[mm[2]] = v;
  }
  return out;
}
