/**
 * Test helper: does an exported speaker model embed like the network it was exported from? The trained
 * network (rebuilt from its state dict by the caller) runs on the CMN'd WeSpeaker-preset fbank of one
 * utterance, [1, bins, frames]; onnx-speaker runs the exported file on the same samples (its own front
 * end). The caller judges the difference against the scale of the embedding.
 * @module
 */
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import type { Module } from "../core/nn/module.ts";
import { tensor } from "../core/autodiff/tensor.ts";
import { applyCmn } from "../core/features/cmn.ts";
import { fbank } from "../core/features/fbank.ts";
import { FBANK_PRESETS } from "../core/features/options.ts";

/** Max |ours - onnx| and max |ours| over the first `dims` embedding values of one 16 kHz utterance. */
export async function exportedVsTrained(
  net: Module,
  model: string,
  utt: { readonly id: string; readonly samples: Float32Array },
  o: { readonly numMelBins: number; readonly dims: number },
): Promise<{ err: number; scale: number }> {
  const bb = await registry.create("backbone", "onnx-speaker", { model });
  const [onnx] = await bb.embed([{ id: utt.id, samples: utt.samples, sampleRate: 16000 }]);
  await bb.dispose?.();
  const bins = o.numMelBins;
  const f = applyCmn(fbank(utt.samples, { ...FBANK_PRESETS.wespeaker, numMelBins: bins }));
  const x = new Float32Array(bins * f.rows);
  for (let t = 0; t < f.rows; t++) for (let k = 0; k < bins; k++) x[k * f.rows + t] = f.data[t * bins + k];
  const ours = net.forward(tensor(x, [1, bins, f.rows])).data;
  let err = 0, scale = 0;
  for (let i = 0; i < o.dims; i++) {
    [err, scale] = [Math.max(err, Math.abs(ours[i] - onnx[i])), Math.max(scale, Math.abs(ours[i]))];
  }
  return { err, scale };
}
