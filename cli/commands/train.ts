/**
 * `embedkit train`: train a small x-vector TDNN (or a head) with any loss plugin; export ONNX.
 * @module
 */
import type { Command } from "../common.ts";
import { UsageError } from "../common.ts";
import { emit, numberOpt } from "../common.ts";
import { train } from "../../core/pipelines/train.ts";
import { backboneSpecs, EP_OPTION, parseSpec } from "./pipeline_args.ts";

function list(v: unknown, name: string): number[] | undefined {
  if (v === undefined) return undefined;
  return String(v).split(",").map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name}: '${s}' is not a positive integer`);
    return n;
  });
}

export const trainCommand: Command = {
  summary: "train an x-vector TDNN (or a head) on speaker-labelled data with a loss plugin; export ONNX",
  usage: "DATA_DIR... [--loss SPEC] [--epochs N] [--speed-perturb] [--model-out FILE.onnx]",
  options: {
    ...EP_OPTION,
    mode: {
      type: "string",
      help: "tdnn (fbank -> TDNN) or head (a head on a backbone's embeddings)",
      default: "tdnn",
    },
    loss: { type: "string", help: "classification loss spec", default: "aam-softmax:margin=0.2,scale=30" },
    backbone: {
      type: "string",
      help: "head mode: backbone spec whose embeddings the head learns from",
      default: "fbank-stats",
    },
    channels: { type: "string", help: "TDNN channels per layer", default: "128,128,128" },
    kernels: { type: "string", help: "TDNN kernel sizes", default: "5,3,3" },
    dilations: { type: "string", help: "TDNN dilations", default: "1,2,3" },
    "embed-dim": { type: "string", help: "embedding size", default: "128" },
    "mel-bins": { type: "string", help: "fbank mel bins", default: "40" },
    "seg-seconds": { type: "string", help: "training crop length (s)", default: "2" },
    crops: { type: "string", help: "crops per utterance per epoch", default: "4" },
    epochs: { type: "string", help: "epochs", default: "10" },
    "batch-size": { type: "string", help: "batch size", default: "32" },
    lr: { type: "string", help: "peak learning rate (Adam, warm-up + cosine decay)", default: "0.002" },
    "speed-perturb": { type: "boolean", help: "add 0.9x / 1.1x speed-perturbed copies as new speakers" },
    "max-seconds": { type: "string", help: "use at most this much of each utterance (s)", default: "20" },
    "model-out": { type: "string", help: "where to write the ONNX model", default: "out/train/model.onnx" },
    seed: { type: "string", help: "seed", default: "1234" },
    device: {
      type: "string",
      help:
        "where large matrix products run: auto (WebGPU only on a real, parity-checked adapter), wasm, webgpu",
      default: "auto",
    },
    work: { type: "string", help: "work dir for cached stages (resumes)", default: "out/train/work" },
    fresh: { type: "boolean", help: "recompute every stage" },
    out: { type: "string", help: "write the JSON result here (atomically) instead of stdout" },
  },
  async run(args) {
    if (!args.positionals.length) throw new UsageError("give one or more data dirs (see --help)");
    const r = await train({
      data: args.positionals,
      mode: args.values.mode as "tdnn" | "head",
      loss: parseSpec(args.values.loss as string),
      backbone: backboneSpecs(args, args.values.backbone as string)![0],
      channels: list(args.values.channels, "channels"),
      kernels: list(args.values.kernels, "kernels"),
      dilations: list(args.values.dilations, "dilations"),
      embedDim: numberOpt(args, "embed-dim"),
      numMelBins: numberOpt(args, "mel-bins"),
      segSeconds: numberOpt(args, "seg-seconds"),
      cropsPerUtt: numberOpt(args, "crops"),
      epochs: numberOpt(args, "epochs"),
      batchSize: numberOpt(args, "batch-size"),
      lr: numberOpt(args, "lr"),
      speedPerturb: Boolean(args.values["speed-perturb"]),
      maxSeconds: numberOpt(args, "max-seconds"),
      out: args.values["model-out"] as string,
      seed: numberOpt(args, "seed"),
      device: args.values.device as "auto" | "wasm" | "webgpu",
      workDir: args.values.work as string,
      resume: !args.values.fresh,
    });
    const { state: _state, ...rest } = r;
    await emit(args, JSON.stringify(rest, null, 2));
    return 0;
  },
};
