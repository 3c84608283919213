/**
 * `embedkit diarize`: audio (or precomputed embeddings) -> RTTM, and DER/JER with a reference.
 * @module
 */
import type { Command } from "../common.ts";
import { emit, numberOpt } from "../common.ts";
import { diarize } from "../../core/pipelines/diarize.ts";
import { writeFileAtomic } from "../../core/atomic.ts";
import {
  backboneSpecs,
  EMBEDDING_INPUT_OPTIONS,
  embeddingInput,
  EP_OPTION,
  parseSpec,
  runOptions,
  specs,
} from "./pipeline_args.ts";

export const diarizeCommand: Command = {
  summary: "speaker diarization: audio -> VAD -> windows -> embeddings -> clusterer -> RTTM (+ DER/JER)",
  usage:
    "AUDIO | --ark FILE --segments FILE  [--reference RTTM] [--clusterer SPEC]... [--speakers N] [--rttm FILE]",
  options: {
    ...EP_OPTION,
    ...EMBEDDING_INPUT_OPTIONS,
    reference: { type: "string", help: "reference RTTM: score DER/JER" },
    vad: {
      type: "string",
      help:
        "speech detection: a vad plugin spec (silero, energy:relThreshold=0.4, ...), reference (oracle) or none",
      default: "silero",
    },
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
    ...runOptions("out/diarize/work", "write the first clusterer's RTTM here"),
  },
  async run(args) {
    const { audio, embeddings } = embeddingInput(args);
    const r = await diarize({
      audio,
      embeddings,
      reference: args.values.reference as string | undefined,
      vad: ["reference", "none"].includes(args.values.vad as string)
        ? args.values.vad as string
        : parseSpec(args.values.vad as string),
      window: numberOpt(args, "window"),
      step: numberOpt(args, "step"),
      backbone: backboneSpecs(args, args.values.backbone as string)![0],
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
