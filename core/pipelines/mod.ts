/**
 * The pipelines as library functions: each is a readable sequence of cached, resumable stages built
 * only from registered plugins.
 *
 * ```ts
 * import "@embedkit/core/plugins";
 * import { verify } from "@embedkit/core/pipelines";
 * const r = await verify({ data: "data/test", backbones: ["fbank-stats"], workDir: "out/verify" });
 * console.log(r.systems[0].metrics["EER %"]);
 * ```
 * @module
 */
export { verify, type VerifyOptions, type VerifyResult, type VerifySystem } from "./verify.ts";
export {
  diarize,
  type DiarizeOptions,
  type DiarizeResult,
  type DiarizeSystem,
  readSegments,
} from "./diarize.ts";
export {
  sslDiarize,
  type SslDiarizeOptions,
  type SslDiarizeResult,
  type SslIteration,
} from "./ssl_diarize.ts";
export { CONFORMER_DRLM_DEFAULTS, type ConformerDrlmConfig, DRLM_KINDS, type DrlmKind } from "./drlm.ts";
export { pseudoLabel, type PseudoLabelOptions } from "./pseudo_label.ts";
export { ckmAdapt, type CkmAdaptOptions } from "./ckm_adapt.ts";
export { type AdaptOptions, type AdaptResult, type DomainFigures, type DomainSpec } from "./adapt.ts";
export { irEval, type IrEvalOptions, type IrEvalResult } from "./ir_eval.ts";
export { speedPerturb, train, type TrainOptions, type TrainResult } from "./train.ts";
export { demo, type DemoOptions, type DemoResult } from "./demo.ts";
export { formatTrials, generateTrials, loadDataDir, readTrials, type Trial, type Utterance } from "./data.ts";
export { type PluginSpec } from "./common.ts";
