/**
 * The recipes as library functions (verify, diarize, train, ...), each a short sequence of the shared,
 * cached, resumable stages of ./stages, built only from the plugins of the registry it is given.
 *
 * ```ts
 * import "@embedkit/core/plugins";
 * import { verify } from "@embedkit/core/pipelines";
 * const r = await verify({ data: "data/test", backbones: ["fbank-stats"], workDir: "out/verify" });
 * console.log(r.systems[0].metrics["EER %"]);
 * ```
 * @module
 */
export {
  verify,
  VERIFY_OPTIONS,
  type VerifyOptions,
  type VerifyResult,
  type VerifySystem,
} from "./verify.ts";
export {
  diarize,
  DIARIZE_OPTIONS,
  type DiarizeOptions,
  type DiarizeResult,
  type DiarizeSystem,
} from "./diarize.ts";
export { diarizeOverlap, OVERLAP_OPTIONS, type OverlapOptions } from "./diarize_overlap.ts";
export { diarizeOnline, ONLINE_OPTIONS, type OnlineRecipeOptions } from "./diarize_online.ts";
export { choosePipeline, DEFAULT_SEGMENTATION_MODEL } from "./diarize_choose.ts";
export { DEFAULT_RULES, DIARIZE_PRESET } from "./diarize_defaults.ts";
// streaming as a library: push audio chunk by chunk, get turns as they are decided
export { OnlineDiarizer, type OnlineModels, type OnlineOptions } from "../diarization/online.ts";
export { maskedEmbedder, oracleBufferSegmentation, VadLocalSpeakers } from "../diarization/online_sources.ts";
export {
  sslDiarize,
  type SslDiarizeOptions,
  type SslDiarizeResult,
  type SslIteration,
} from "./ssl_diarize.ts";
export { pseudoLabel, type PseudoLabelOptions } from "./pseudo_label.ts";
export { ckmAdapt, type CkmAdaptOptions } from "./ckm_adapt.ts";
export { type AdaptOptions, type AdaptResult, type DomainFigures, type DomainSpec } from "./adapt.ts";
export { irEval, type IrEvalOptions, type IrEvalResult } from "./ir_eval.ts";
export { train, TRAIN_OPTIONS, type TrainOptions, type TrainResult } from "./train.ts";
export {
  TEXT_TRAIN_OPTIONS,
  type TextRecipeConfig,
  trainText,
  type TrainTextOptions,
  type TrainTextResult,
} from "./train_text.ts";
export * from "./stages/mod.ts";
export { type TrainingJob, trainModel } from "./stages/train.ts";
