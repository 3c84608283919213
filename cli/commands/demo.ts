/**
 * `embedkit demo`: verification + diarization end to end -> out/demo/report.html + results.json.
 * @module
 */
import type { Command } from "../common.ts";
import { numberOpt } from "../common.ts";
import { demo } from "../recipes/demo.ts";
import { EP_OPTION } from "./pipeline_args.ts";

export const demoCommand: Command = {
  summary:
    "run verification, diarization, robustness, a speaker registry and text retrieval end to end and write an HTML report (no downloads)",
  usage: "[--out DIR] [--shared DIR] [--synthetic] [--model FILE.onnx] [--seed N] [--fresh]",
  options: {
    out: {
      type: "string",
      help: "output folder for report.html, results.json and RTTMs",
      default: "out/demo",
    },
    shared: { type: "string", help: "shared data folder (real recordings)", default: "../shared/data" },
    synthetic: { type: "boolean", help: "ignore the shared data and use self-generated signals" },
    model: {
      type: "string",
      help: "an ONNX speaker model file to add as a backbone (e.g. pulled from the model zoo)",
    },
    "no-random-xvector": { type: "boolean", help: "skip the seeded random-weight x-vector backbone" },
    "no-trained-tdnn": {
      type: "boolean",
      help: "skip the TDNN that ships with embedkit (trained on LibriSpeech train-clean-100)",
    },
    seed: { type: "string", help: "master seed (trial sampling, random weights, clustering)" },
    fresh: { type: "boolean", help: "recompute every stage instead of resuming from out/demo/work" },
    quiet: { type: "boolean", help: "no progress lines on stderr" },
    ...EP_OPTION,
  },
  async run(args) {
    const r = await demo({
      outDir: args.values.out as string,
      sharedDir: args.values.shared as string,
      synthetic: Boolean(args.values.synthetic),
      model: args.values.model as string | undefined,
      randomXvector: !args.values["no-random-xvector"],
      trainedTdnn: !args.values["no-trained-tdnn"],
      ep: args.values.ep as string | undefined,
      seed: numberOpt(args, "seed"),
      resume: !args.values.fresh,
      quiet: Boolean(args.values.quiet),
    });
    const lines = [`data: ${r.data}`, ...r.notes.map((n) => `  ${n}`), "verification:"];
    for (const v of r.verification) {
      for (const s of v.systems) {
        const m = s.metrics;
        lines.push(
          `  ${s.label.padEnd(44)} EER ${fmt(m["EER %"])} %  minDCF(0.01) ${
            fmt(m["minDCF 0.01"])
          }  minDCF(0.05) ${fmt(m["minDCF 0.05"])}  Cllr ${fmt(m["Cllr"])}`,
        );
      }
    }
    lines.push("diarization (DER at collar 0.25 s, overlap ignored):");
    for (const d of r.diarization) {
      lines.push(`  ${d.name}`);
      for (const s of d.systems) {
        lines.push(
          `    ${s.label.padEnd(40)} DER ${fmt(s.metrics["DER %"])} %  speakers ${
            s.metrics["speakers"] ?? "?"
          }`,
        );
      }
    }
    lines.push(`report: ${r.report}`, `results: ${r.results}`, `time: ${r.seconds.toFixed(1)} s`);
    console.log(lines.join("\n"));
    return 0;
  },
};

function fmt(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(v >= 10 ? 1 : 3);
}
