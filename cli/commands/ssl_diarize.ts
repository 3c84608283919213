/**
 * `embedkit ssl-diarize`: self-supervised diarization (DRLM trained on FINCH/AHC pseudo-labels); DER per iteration.
 * @module
 */
import type { Command } from "../common.ts";
import { emit, numberOpt, UsageError } from "../common.ts";
import { sslDiarize } from "../../core/pipelines/ssl_diarize.ts";
import { writeFileAtomic } from "../../core/atomic.ts";
import { EMBEDDING_INPUT_OPTIONS, EP_OPTION } from "./pipeline_args.ts";
import { backboneSpecs, embeddingInput, parseSpec, runOptions } from "./pipeline_args.ts";
import { DRLM_KINDS, type DrlmKind } from "../../core/nn/drlm.ts";

export const sslDiarizeCommand: Command = {
  summary:
    "self-supervised diarization: DRLM on segment embeddings with FINCH/AHC pseudo-labels; DER per iteration",
  usage:
    "AUDIO | --ark FILE --segments FILE  --speakers N [--reference RTTM] [--loss contrastive|triplet] [--drlm dnn|conformer]",
  options: {
    ...EP_OPTION,
    ...EMBEDDING_INPUT_OPTIONS,
    reference: { type: "string", help: "reference RTTM: DER per iteration" },
    speakers: { type: "string", help: "target number of speakers (required)" },
    loss: {
      type: "string",
      help: "pair loss spec: contrastive (pairs) or triplet (batches)",
      default: "contrastive",
    },
    drlm: {
      type: "string",
      help: "DRLM: dnn (512-256-64-30) or conformer (conformer-lite over each segment and its neighbours)",
      default: "dnn",
    },
    context: { type: "string", help: "conformer DRLM: neighbouring segments each side", default: "2" },
    iterations: { type: "string", help: "maximum iterations", default: "8" },
    epochs: { type: "string", help: "DRLM epochs per iteration", default: "1" },
    "loss-ratio": {
      type: "string",
      help: "stop when loss / initial loss <= this (and clusters = target)",
      default: "0.5",
    },
    backbone: { type: "string", help: "backbone spec for audio input", default: "fbank-stats" },
    collar: { type: "string", help: "DER collar (s, +-collar)", default: "0.25" },
    ...runOptions("out/ssl-diarize/work", "write the final RTTM here"),
  },
  async run(args) {
    const { audio, embeddings } = embeddingInput(args);
    const speakers = numberOpt(args, "speakers");
    if (!speakers) throw new UsageError("--speakers N (the target number of speakers) is required");
    const drlm = args.values.drlm as string;
    if (!(DRLM_KINDS as readonly string[]).includes(drlm)) {
      throw new UsageError(`--drlm must be one of ${DRLM_KINDS.join(", ")}, got '${drlm}'`);
    }
    const r = await sslDiarize({
      input: {
        audio,
        embeddings,
        reference: args.values.reference as string | undefined,
        backbone: backboneSpecs(args, args.values.backbone as string)![0],
        collar: numberOpt(args, "collar"),
      },
      numSpeakers: speakers,
      loss: parseSpec(args.values.loss as string),
      drlm: drlm as DrlmKind,
      conformer: { context: numberOpt(args, "context") },
      maxIterations: numberOpt(args, "iterations"),
      epochs: numberOpt(args, "epochs"),
      lossRatio: numberOpt(args, "loss-ratio"),
      seed: numberOpt(args, "seed"),
      workDir: args.values.work as string,
      resume: !args.values.fresh,
    });
    if (args.values.rttm) await writeFileAtomic(args.values.rttm as string, r.final.rttm);
    const { final, ...rest } = r;
    await emit(args, JSON.stringify({ ...rest, final: { der: final.der, rttm: final.rttm } }, null, 2));
    return 0;
  },
};
