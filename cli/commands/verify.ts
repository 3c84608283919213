/**
 * `embedkit verify`: speaker verification on a data dir -> EER, minDCF, Cllr (JSON on stdout or --out).
 * @module
 */
import type { Command } from "../common.ts";
import { UsageError } from "../common.ts";
import { emit, numberOpt } from "../common.ts";
import { verify, type VerifyResult } from "../../core/pipelines/verify.ts";
import { formatTrials } from "../../core/data/trials.ts";
import { writeFileAtomic } from "../../core/atomic.ts";
import { join } from "../../core/paths.ts";
import { backboneSpecs, EP_OPTION, mergeLocale, parseSpec, specs } from "./pipeline_args.ts";

/** The JSON record of a run's systems (label, figures, caveat, backbone info), as `verify` and the demo write it. */
export function systemsJson(r: Pick<VerifyResult, "systems">) {
  return r.systems.map((s) => ({
    label: s.label,
    metrics: s.metrics,
    note: s.note || undefined,
    info: s.info,
  }));
}

export const verifyCommand: Command = {
  summary: "speaker verification: data dir -> embeddings -> scores -> EER, minDCF, Cllr",
  usage:
    "DATA_DIR [--backbone SPEC]... [--backend SPEC]... [--normalize SPEC] [--calibrate SPEC] [--fusion SPEC] [--out FILE]",
  options: {
    ...EP_OPTION,
    trials: { type: "string", help: "trials file (<enroll> <test> target|nontarget); generated when absent" },
    "nontarget-ratio": {
      type: "string",
      help: "non-target trials per target trial when generating",
      default: "5",
    },
    backbone: {
      type: "string",
      multiple: true,
      help: "backbone spec NAME[:k=v,...] (repeat to compare; default fbank-stats)",
    },
    backend: {
      type: "string",
      multiple: true,
      help: "back-end adapter spec applied in order (e.g. mean-sub, lda:dim=50, plda)",
    },
    scorer: { type: "string", help: "trial scorer spec", default: "cosine" },
    "backend-scores": { type: "boolean", help: "score with the last back-end's own score() (PLDA LLRs)" },
    normalize: { type: "string", help: "score normaliser spec (e.g. asnorm); cohort = the eval embeddings" },
    calibrate: { type: "string", help: "calibration spec (e.g. logreg-calibration), fitted on the trials" },
    fusion: { type: "string", help: "fusion spec for several backbones (e.g. linear-fusion)" },
    "merge-locale": {
      type: "boolean",
      help: "speaker folders named <ll>_<CC>_<voice> (Asterisk) are one speaker per voice",
    },
    "domain0": {
      type: "string",
      help:
        "regex on utterance ids: matches are domain 0, the rest domain 1 (metrics per same/cross-domain trials)",
    },
    "transform-domains": { type: "string", help: "comma-separated domains the back-end moves (mean-sub: 1)" },
    "sample-rate": { type: "string", help: "sample rate of the audio (Hz)", default: "16000" },
    "max-seconds": { type: "string", help: "crop each utterance to this many seconds" },
    seed: { type: "string", help: "seed for trial sampling and plugins", default: "1234" },
    work: { type: "string", help: "work dir for cached stages (resumes)", default: "out/verify/work" },
    fresh: { type: "boolean", help: "recompute every stage" },
    "write-trials": { type: "string", help: "also write the trials used to this folder as 'trials'" },
    out: { type: "string", help: "write the JSON result here (atomically) instead of stdout" },
  },
  async run(args) {
    const data = args.positionals[0];
    if (!data) {
      throw new UsageError("give a data dir: a folder per speaker or wav.scp + utt2spk (see --help)");
    }
    const r = await verify({
      data,
      trials: args.values.trials as string | undefined,
      nonTargetRatio: numberOpt(args, "nontarget-ratio"),
      backbones: backboneSpecs(args, args.values.backbone),
      backend: specs(args.values.backend),
      scorer: parseSpec(args.values.scorer as string),
      backendScores: Boolean(args.values["backend-scores"]),
      normalize: args.values.normalize ? parseSpec(args.values.normalize as string) : undefined,
      calibrate: args.values.calibrate ? parseSpec(args.values.calibrate as string) : undefined,
      fusion: args.values.fusion ? parseSpec(args.values.fusion as string) : undefined,
      speakerOf: args.values["merge-locale"] ? mergeLocale : undefined,
      domainOf: args.values.domain0
        ? ((re: RegExp) => (u: { id: string }) => re.test(u.id) ? 0 : 1)(
          new RegExp(args.values.domain0 as string),
        )
        : undefined,
      transformDomains: args.values["transform-domains"]
        ? String(args.values["transform-domains"]).split(",").map(Number)
        : undefined,
      sampleRate: numberOpt(args, "sample-rate"),
      maxSeconds: numberOpt(args, "max-seconds"),
      seed: numberOpt(args, "seed"),
      workDir: args.values.work as string,
      resume: !args.values.fresh,
    });
    if (args.values["write-trials"]) {
      const ids = r.utterances.map((u) => u.id);
      const list = Array.from(
        r.trials.labels,
        (l, t) => ({ enroll: ids[r.trials.enroll[t]], test: ids[r.trials.test[t]], label: l as 1 | 0 | -1 }),
      );
      await writeFileAtomic(join(args.values["write-trials"] as string, "trials"), formatTrials(list));
    }
    await emit(
      args,
      JSON.stringify(
        {
          data: r.name,
          seed: r.seed,
          counts: r.counts,
          trialsGenerated: r.trials.generated,
          systems: systemsJson(r),
          stages: r.stages,
        },
        null,
        2,
      ),
    );
    return 0;
  },
};
