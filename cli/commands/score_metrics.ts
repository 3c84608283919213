/**
 * `embedkit score-metrics`: verification metrics of a score file (Kaldi / WeSpeaker format) against a
 * trial list: EER (NIST-interpolated and ROCCH), minDCF and actDCF at each prior, Cllr / minCllr, and
 * optionally a DET plot (SVG). JSON on stdout or --out.
 * @module
 */
import type { Command } from "../common.ts";
import { UsageError } from "../common.ts";
import { emit } from "../common.ts";
import { registry } from "../../core/registry.ts";
import type { Metric, MetricInput } from "../../core/contracts/mod.ts";
import { readTrials } from "../../core/io/kaldi_data.ts";
import { joinScores, parseScoreFile } from "../../core/scoring/score_file.ts";
import { writeDetSvg } from "../../core/scoring/det_plot.ts";
import type { DetCurve } from "../../core/scoring/metrics.ts";
import { InputError } from "../../core/errors.ts";

export const scoreMetricsCommand: Command = {
  summary:
    "EER / minDCF / actDCF / Cllr of a score file (<enroll> <test> <score> [label]) against a trial list",
  usage: "SCORES [TRIALS] [--p-target 0.01,0.05] [--det-svg FILE] [--out FILE]",
  options: {
    "p-target": {
      type: "string",
      help: "comma-separated target priors for minDCF / actDCF",
      default: "0.01,0.05",
    },
    "det-svg": { type: "string", help: "also write a DET plot (SVG) here" },
    "allow-missing": {
      type: "boolean",
      help: "drop trials without a score (counted as 'missing') instead of failing",
    },
    out: { type: "string", help: "write the JSON result here (atomically) instead of stdout" },
  },
  async run(args) {
    const [scoresPath, trialsPath] = args.positionals;
    if (!scoresPath) {
      throw new UsageError(
        "give a score file: lines '<enroll> <test> <score> [target|nontarget]' (see --help)",
      );
    }
    let text: string;
    try {
      text = await Deno.readTextFile(scoresPath);
    } catch (e) {
      throw new InputError(scoresPath, `cannot read score file: ${(e as Error).message}`);
    }
    const scored = parseScoreFile(text, scoresPath);
    const trials = trialsPath ? readTrials(trialsPath) : undefined;
    const input = joinScores(scored, trials, { scores: scoresPath, trials: trialsPath }, {
      allowMissing: Boolean(args.values["allow-missing"]),
    });
    const pTargets = String(args.values["p-target"]).split(",").map((s) => Number(s.trim()));
    const run = async (name: string, options: Record<string, unknown> = {}) =>
      (await registry.create("scorer", name, options) as Metric).compute(input);
    let nt = 0;
    for (const l of input.labels) nt += l;
    const metrics = {
      ...(await run("eer")),
      ...(await run("min-dcf", { pTargets })),
      ...(await run("act-dcf", { pTargets })),
      ...(await run("cllr")),
    };
    if (args.values["det-svg"]) {
      const det = await registry.create("scorer", "det", {}) as Metric & { curve(i: MetricInput): DetCurve };
      const c = det.curve(input);
      await writeDetSvg(args.values["det-svg"] as string, [{
        label: scoresPath.split("/").pop()!,
        pfa: c.pfa,
        pmiss: c.pmiss,
      }], {
        title: "DET",
      });
    }
    await emit(
      args,
      JSON.stringify(
        {
          scores: scoresPath,
          trials: trialsPath ?? null,
          counts: { target: nt, nonTarget: input.labels.length - nt },
          // trials without a score (dropped with --allow-missing) and scores for pairs not in the trials
          matching: { missingScores: input.counts.missing, extraScores: input.counts.extra },
          conventions:
            "EER: NIST-interpolated (WeSpeaker score_metrics) + ROCCH; DCFs normalised; Cllr in bits",
          metrics,
        },
        null,
        2,
      ),
    );
    return 0;
  },
};
