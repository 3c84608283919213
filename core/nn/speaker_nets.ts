/**
 * The speaker networks the training recipe builds, by architecture name: the small x-vector TDNN
 * (core/nn/tdnn.ts), ResNet34 and ResNet34-SE in WeSpeaker's layout (core/nn/resnet.ts, base width m,
 * 32 in WeSpeaker) and ECAPA-TDNN (core/nn/ecapa.ts, C channels, 512 in WeSpeaker; its aggregation
 * conv is 3C wide as in the published C = 512 / 1536 model). Every one maps fbank [B, F, T] to
 * embeddings [B, E]; the ONNX export (core/pipelines/train_export.ts) rebuilds the same net from the
 * same settings.
 * @module
 */
import { EcapaTdnn } from "./ecapa.ts";
import type { Module } from "./module.ts";
import { ResNet } from "./resnet.ts";
import type { StatefulRng } from "./rng.ts";
import { Tdnn } from "./tdnn.ts";
import type { Tensor } from "../autodiff/tensor.ts";

/** The speaker architectures. */
export const SPEAKER_ARCHS = ["tdnn", "resnet34", "resnet34-se", "ecapa"] as const;
/** One of {@link SPEAKER_ARCHS}. */
export type SpeakerArch = (typeof SPEAKER_ARCHS)[number];

/** What a speaker network is built from. */
export interface SpeakerNetConfig {
  readonly arch: SpeakerArch;
  /** ResNet base channels m / ECAPA channels C (null: WeSpeaker's 32 / 512). */
  readonly width: number | null;
  readonly numMelBins: number;
  readonly embedDim: number;
  /** TDNN layers. */
  readonly channels: readonly number[];
  readonly kernels: readonly number[];
  readonly dilations: readonly number[];
}

/** A network from fbank [B, F, T] to embeddings [B, E]. */
export type SpeakerNet = Module & { forward(x: Tensor): Tensor };

/** The resolved width of an architecture (m or C), or null for the TDNN. */
export function speakerWidth(c: Pick<SpeakerNetConfig, "arch" | "width">): number | null {
  if (c.arch === "tdnn") return null;
  return c.width ?? (c.arch === "ecapa" ? 512 : 32);
}

/** Builds the network, its weights drawn from `rng`. */
export function buildSpeakerNet(c: SpeakerNetConfig, rng: StatefulRng): SpeakerNet {
  const w = speakerWidth(c);
  switch (c.arch) {
    case "tdnn":
      return new Tdnn({
        inputDim: c.numMelBins,
        channels: [...c.channels],
        kernels: [...c.kernels],
        dilations: [...c.dilations],
        embedDim: c.embedDim,
        pooling: "stats",
        poolEps: 1e-7,
      }, rng);
    case "resnet34":
    case "resnet34-se":
      return new ResNet({
        featDim: c.numMelBins,
        mChannels: w!,
        embedDim: c.embedDim,
        se: c.arch === "resnet34-se",
      }, rng);
    case "ecapa":
      return new EcapaTdnn(
        { featDim: c.numMelBins, channels: w!, mfaChannels: 3 * w!, embedDim: c.embedDim },
        rng,
      );
  }
}
