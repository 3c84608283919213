/**
 * `embedkit diarize`: audio (or precomputed embeddings) -> RTTM, and DER/JER with a reference.
 * @module
 */
import type { Command } from "../common.ts";
import { emit, numberOpt } from "../common.ts";
import { diarize } from "../../core/pipelines/diarize.ts";
import { writeFileAtomic } from "../../core/atomic.ts";
import { parseSpec, specs } from "./pipeline_args.ts";

export const diarizeCommand: Command = {
  summary: "speaker diarization: audio -> VAD -> windows -> embeddings -> clusterer -> RTTM (+ DER/JER)",
  usage:
    "AUDIO | --ark FILE --segments FILE  [--reference RTTM] [--clusterer SPEC]... [--speakers N] [--rttm FILE]",
  options: {
    ark: { type: "string", help: "precomputed embeddings (Kaldi ark of vectors) instead of audio" },
    segments: { type: "string", help: "segments file for --ark: <key> <file> <start> <end>" },
    reference: { type: "string", help: "reference RTTM: score DER/JER" },
    vad: { type: "string", help: "silero, energy, reference (oracle) or none", default: "silero" },
    window: { type: "string", help: "window length (s)", default: "1.5" },
    step: { type: "string", help: "window step (s)", default: "0.75" },
    backbone: { type: "string", help: "backbone spec NAME[:k=v,...]", default: "fbank-stats" },
    backend: {
      type: "string",
      multiple: true,
      help: "adapter spec applied before clustering (fitted on this recording)",
    },
    "no-center": { type: "boolean", help: "do not subtract the recording's mean embedding" },
    clusterer: { type: "string", multiple: true, help: "clusterer spec (repeat to compare; default ahc)" },
    speakers: { type: "string", help: "known number of speakers (oracle)" },
    collar: { type: "string", help: "DER collar in seconds (+-collar, md-eval)", default: "0.25" },
    "score-overlap": { type: "boolean", help: "score overlapped reference speech too (default: ignored)" },
    file: { type: "string", help: "recording id for the RTTM (default: the file name)" },
    "sample-rate": { type: "string", help: "sample rate of the audio (Hz)", default: "16000" },
    seed: { type: "string", help: "seed", default: "1234" },
    work: { type: "string", help: "work dir for cached stages (resumes)", default: "out/diarize/work" },
    fresh: { type: "boolean", help: "recompute every stage" },
    rttm: { type: "string", help: "write the first clusterer's RTTM here" },
    out: { type: "string", help: "write the JSON result here (atomically) instead of stdout" },
  },
  async run(args) {
    const audio = args.positionals[0];
    const ark = args.values.ark as string | undefined, seg = args.values.segments as string | undefined;
    if (!audio && !ark) throw new Error("give an audio file or --ark with --segments (see --help)");
    if (ark && !seg) throw new Error("--ark needs --segments <key> <file> <start> <end>");
    const r = await diarize({
      audio: ark ? undefined : audio,
      embeddings: ark ? { ark, segments: seg! } : undefined,
      reference: args.values.reference as string | undefined,
      vad: args.values.vad as "silero",
      window: numberOpt(args, "window"),
      step: numberOpt(args, "step"),
      backbone: parseSpec(args.values.backbone as string),
      backend: specs(args.values.backend),
      center: !args.values["no-center"],
      clusterers: specs(args.values.clusterer),
      numSpeakers: numberOpt(args, "speakers"),
      collar: numberOpt(args, "collar"),
      skipOverlap: !args.values["score-overlap"],
      file: args.values.file as string | undefined,
      sampleRate: numberOpt(args, "sample-rate"),
      seed: numberOpt(args, "seed"),
      workDir: args.values.work as string,
      resume: !args.values.fresh,
    });
    if (args.values.rttm && r.systems[0]) {
      await writeFileAtomic(args.values.rttm as string, r.systems[0].rttm);
    }
    await emit(
      args,
      JSON.stringify(
        {
          file: r.file,
          source: r.source,
          vad: r.vad,
          windows: r.windows,
          dim: r.dim,
          scoring: r.scoring,
          seed: r.seed,
          systems: r.systems.map((s) => ({
            label: s.label,
            numSpeakers: s.numSpeakers,
            metrics: s.metrics,
            extra: s.extra,
            rttm: s.rttm,
          })),
          stages: r.stages,
        },
        null,
        2,
      ),
    );
    return 0;
  },
};
