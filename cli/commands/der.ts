/**
 * `embedkit der`: diarization error rate (and JER) of system RTTM(s) against reference RTTM(s), as JSON.
 * @module
 */
import type { Command } from "../common.ts";
import { UsageError } from "../common.ts";
import { emit, numberOpt } from "../common.ts";
import { readRttm, readUem, type Turn } from "../../core/diarization/rttm.ts";
import { type CollarConvention, diarizationErrorRate } from "../../core/diarization/der.ts";
import { jaccardErrorRate } from "../../core/diarization/jer.ts";

async function readAll(paths: string[]): Promise<Turn[]> {
  const out: Turn[] = [];
  for (const p of paths) out.push(...await readRttm(p));
  return out;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** `der` command. */
export const derCommand: Command = {
  summary: "diarization error rate (missed / false alarm / confusion) and JER of RTTM files, as JSON",
  usage:
    "--ref R.rttm --sys S.rttm [--uem U.uem] [--collar 0.25] [--skip-overlap] [--collar-convention md-eval|pyannote]",
  options: {
    ref: { type: "string", multiple: true, help: "reference RTTM file (repeatable)" },
    sys: { type: "string", multiple: true, help: "system RTTM file (repeatable)" },
    uem: {
      type: "string",
      help: "UEM file of scoring regions (default: extent of ref+sys turns, as dscore)",
    },
    collar: { type: "string", default: "0", help: "no-score collar in seconds" },
    "collar-convention": {
      type: "string",
      default: "md-eval",
      help: "md-eval: +-collar around each reference boundary (dscore, VBx); pyannote: collar = total width",
    },
    "skip-overlap": { type: "boolean", help: "do not score overlapped reference speech (md-eval -1)" },
    out: { type: "string", help: "write the JSON to this file (atomically) instead of stdout" },
  },
  async run(args) {
    const refs = args.values.ref as string[] | undefined, syss = args.values.sys as string[] | undefined;
    if (!refs?.length || !syss?.length) throw new UsageError("--ref and --sys are required (RTTM files)");
    const convention = args.values["collar-convention"] as CollarConvention;
    if (convention !== "md-eval" && convention !== "pyannote") {
      throw new UsageError(`--collar-convention must be md-eval or pyannote, got '${convention}'`);
    }
    const collar = numberOpt(args, "collar") ?? 0;
    if (collar < 0) throw new UsageError(`--collar must be >= 0 seconds, got ${collar}`);
    const ref = await readAll(refs), sys = await readAll(syss);
    const uemPath = args.values.uem as string | undefined;
    const uem = uemPath ? await readUem(uemPath) : undefined;
    const skipOverlap = Boolean(args.values["skip-overlap"]);
    const der = diarizationErrorRate(ref, sys, { collar, collarConvention: convention, skipOverlap, uem });
    const jer = jaccardErrorRate(ref, sys, { uem });
    const jerBy = new Map(jer.files.map((f) => [f.file, f.jer]));
    const fmt = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "number" ? round(v) : v]));
    const result = {
      settings: {
        collar,
        collarConvention: convention,
        skipOverlap,
        uem: uemPath ?? "extent of reference and system turns",
        units: "der/jer/*Rate in percent; total/missed/falseAlarm/confusion/scoredTime in seconds",
        jer: "dscore definition: 10 ms frames, no collar, overlap scored",
      },
      files: der.files.map((f) => ({
        ...fmt({ ...f, mapping: undefined }),
        jer: round(jerBy.get(f.file) ?? NaN),
        mapping: f.mapping,
      })),
      overall: { ...fmt({ ...der.overall }), jer: round(jer.overall) },
    };
    await emit(args, JSON.stringify(result, null, 2));
  },
};
