/**
 * The `metrics` stage of the verification recipe (core/pipelines/verify.ts): EER, minDCF(0.01, 0.05) and
 * Cllr of every scored system (figures named by core/pipelines/stages/evaluate.ts), and, given a domain per
 * utterance, the same figures on the same-domain and the cross-domain trials apart (as in cross-lingual
 * or cross-channel evaluations, e.g. the NIST SRE'16 and SRE'18 condition splits).
 * @module
 */
import { type Run, type TrialSet, verificationFigures } from "./stages/mod.ts";

/** One system's figures: on all trials, and per same/cross-domain partition when domains are given. */
export type Figures = {
  metrics: Record<string, number>;
  partitions?: Record<string, Record<string, number>>;
};

/** Stage `metrics`: EER/minDCF/Cllr of every system, and of its same- and cross-domain trials. */
export function metricsStage(
  run: Run,
  systems: readonly { readonly scores: Float32Array }[],
  trials: TrialSet,
  domains?: Int32Array,
): Promise<Figures[]> {
  return run.stages.stage("metrics", {
    config: { metrics: ["eer", "min-dcf", "cllr"], domains: domains ? Array.from(domains) : null },
    inputs: [...systems.map((s) => s.scores), trials],
  }, async () => {
    const out: Figures[] = [];
    for (const s of systems) {
      const f: Figures = { metrics: await verificationFigures(run, s.scores, trials.labels) };
      if (domains) {
        f.partitions = {};
        for (const [name, same] of [["same-domain", true], ["cross-domain", false]] as const) {
          const keep = [...trials.labels.keys()].filter((t) =>
            (domains[trials.enroll[t]] === domains[trials.test[t]]) === same
          );
          const lab = Int8Array.from(keep, (t) => trials.labels[t]);
          if (!lab.includes(1) || !lab.includes(0)) continue; // a partition needs both classes
          f.partitions[name] = {
            ...await verificationFigures(run, Float32Array.from(keep, (t) => s.scores[t]), lab),
            target: lab.filter((l) => l === 1).length,
            nonTarget: lab.filter((l) => l === 0).length,
          };
        }
      }
      out.push(f);
    }
    return out;
  });
}
