/**
 * What every model builder returns, and the metadata conventions embedkit writes so both embedkit's
 * onnx-speaker backbone and sherpa-onnx's speaker-embedding extractor pick the right front end.
 * @module
 */
import type { Graph } from "../writer.ts";

/** A built model: ONNX bytes plus the facts a caller needs. */
export interface BuiltModel {
  readonly bytes: Uint8Array;
  readonly inputName: string;
  readonly outputName: string;
  readonly embedDim: number;
  readonly parameters: number;
  readonly metadata: Record<string, string>;
}

/**
 * ONNX metadata for a WeSpeaker-convention model (`feats` [B,T,80] -> `embs`): the keys sherpa-onnx
 * reads (framework, output_dim, sample_rate, normalize_samples, language) plus `embedkit.frontend`, the
 * name of embedkit's front-end preset.
 */
export function wespeakerMetadata(embedDim: number, comment: string, seed: number): Record<string, string> {
  return {
    framework: "wespeaker",
    output_dim: String(embedDim),
    sample_rate: "16000",
    normalize_samples: "0",
    language: "English",
    comment,
    url: "embedkit random-weight model (no pretrained weights)",
    "embedkit.frontend": "wespeaker",
    "embedkit.seed": String(seed),
  };
}

/** The finished WeSpeaker-convention model: graph `g` (input `feats`, output `embs` of `embedDim`) encoded with `metadata`. */
export function wespeakerModel(g: Graph, embedDim: number, metadata: Record<string, string>): BuiltModel {
  return {
    bytes: g.encode({ metadata }),
    inputName: "feats",
    outputName: "embs",
    embedDim,
    parameters: g.parameterCount,
    metadata,
  };
}
