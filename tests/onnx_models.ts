/**
 * The small models shared by the ONNX tests and the golden generator (tests/golden/check_onnx.py).
 * Each must be byte-for-byte deterministic: the golden file records its sha256.
 * @module
 */
import { buildEcapa, buildResNet, buildXVector } from "../core/onnx/models/mod.ts";
import { exportSequential } from "../core/onnx/export.ts";
import { Rng } from "../core/random.ts";

/** Makes state-dict entries of the given shapes, values `scale` * N(0, 1) drawn from `r` in call order. */
export function normalEntries(
  r: Rng,
  scale: number,
): (shape: number[]) => { shape: number[]; data: Float32Array } {
  return (shape) => ({
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal() * scale),
  });
}

/** A linear head's state dict the way the training code exposes it (stateDict()). */
export function headStateDict(seed = 7): Record<string, { shape: number[]; data: Float32Array }> {
  const t = normalEntries(new Rng(seed), 0.3);
  return { "fc1.weight": t([16, 32]), "fc1.bias": t([16]), "fc2.weight": t([8, 16]), "fc2.bias": t([8]) };
}

/** name -> ONNX bytes. */
export const GOLDEN_MODELS: Record<string, () => Uint8Array> = {
  "xvector-small": () => buildXVector({ channels: 24, statsChannels: 40, embedDim: 16, seed: 11 }).bytes,
  "resnet-small": () => buildResNet({ mChannels: 4, blocks: [1, 2, 1, 1], embedDim: 16, seed: 12 }).bytes,
  "ecapa-small": () =>
    buildEcapa({ channels: 16, mfaChannels: 48, attentionDim: 8, seDim: 8, embedDim: 16, seed: 13 }).bytes,
  "linear-head": () =>
    exportSequential(
      [{ type: "linear", name: "fc1" }, { type: "relu" }, { type: "linear", name: "fc2" }, {
        type: "l2norm",
      }],
      headStateDict(),
      {
        inputDim: 32,
      },
    ).bytes,
};
