/**
 * Speaker-network training data: Kaldi fbank (WeSpeaker preset, utterance CMN: what onnx-speaker feeds
 * an exported model) of each utterance, optionally with 0.9x / 1.1x speed-perturbed copies as new
 * speakers (Kaldi and WeSpeaker recipes), and random fixed-length crops batched as [B, F, T] tensors
 * (shorter utterances are tiled). With online augmentation the crops are cut from the waveforms
 * instead (./wave_crops.ts) and get their features after augmentation.
 * @module
 */
import { type Tensor, tensor } from "../autodiff/tensor.ts";
import { speedPerturb } from "../augment/speed.ts";
import { utteranceAudio } from "../data/audio.ts";
import type { Utterance } from "../data/datasets.ts";
import { applyCmn, fbank, FBANK_PRESETS } from "../features/fbank.ts";
import type { Matrix } from "../matrix.ts";
import { Progress } from "../progress.ts";
import type { StatefulRng } from "./rng.ts";

/** Features and class labels of the training utterances (perturbed copies included). */
export interface SpeakerFeatures {
  /** One [frames x bins] matrix per (utterance, speed factor). */
  readonly feats: Matrix[];
  /** Class of each matrix: speaker + factor index x speakers. */
  readonly labels: number[];
  /** Speakers x speed factors. */
  readonly numClasses: number;
  /** Speed-factor index of each matrix (0 = the original speed). */
  readonly factor: number[];
  /** Utterance index of each matrix. */
  readonly utt: number[];
}

/** Fbank + CMN of every utterance (and its speed-perturbed copies as new speakers). */
export async function speakerFeatures(
  utts: readonly Utterance[],
  speakerOf: Int32Array,
  numSpeakers: number,
  o: { readonly numMelBins: number; readonly maxSeconds: number; readonly speedPerturb: boolean },
): Promise<SpeakerFeatures> {
  const fopts = { ...FBANK_PRESETS.wespeaker, numMelBins: o.numMelBins };
  const factors = o.speedPerturb ? [1, 0.9, 1.1] : [1];
  const feats: Matrix[] = [], labels: number[] = [], factor: number[] = [], utt: number[] = [];
  const bar = new Progress("train: fbank", utts.length * factors.length);
  for (let i = 0; i < utts.length; i++) {
    const a = await utteranceAudio(utts[i], 16000, o.maxSeconds);
    factors.forEach((f, fi) => {
      const x = f === 1 ? a.samples : speedPerturb(a.samples, f);
      feats.push(applyCmn(fbank(x, fopts)));
      labels.push(speakerOf[i] + fi * numSpeakers); // perturbed copies are new speakers
      factor.push(fi);
      utt.push(i);
      bar.tick();
    });
  }
  bar.done();
  return { feats, labels, numClasses: numSpeakers * factors.length, factor, utt };
}

/**
 * The epoch's batches of item indices: each matrix `cropsPerUtt` times, shuffled, batches of
 * `batchSize` (the last may be smaller, never a single item: batch norm needs two). `count` is a number of items 0..count-1, or the item list.
 */
export function cropBatches(
  count: number | readonly number[],
  cropsPerUtt: number,
  batchSize: number,
  rng: StatefulRng,
): number[][] {
  const items: number[] = [];
  const list = typeof count === "number" ? Array.from({ length: count }, (_, i) => i) : count;
  for (const i of list) for (let c = 0; c < cropsPerUtt; c++) items.push(i);
  const order = rng.shuffle(items);
  const out: number[][] = [];
  for (let s = 0; s + 1 < order.length; s += batchSize) out.push(order.slice(s, s + batchSize));
  return out;
}

/** Batches per epoch of {@link cropBatches}. */
export function cropBatchCount(count: number, cropsPerUtt: number, batchSize: number): number {
  return Math.ceil((count * cropsPerUtt) / batchSize);
}

/** One random crop of `seg` frames per item as a [B, F, seg] tensor (shorter matrices tiled). */
export function cropTensor(
  feats: readonly Matrix[],
  batch: readonly number[],
  seg: number,
  rng: StatefulRng,
): Tensor {
  const F = feats[batch[0]].cols, B = batch.length;
  const x = new Float32Array(B * F * seg);
  batch.forEach((u, b) => {
    const m = feats[u];
    const start = m.rows > seg ? rng.int(m.rows - seg + 1) : 0;
    for (let t = 0; t < seg; t++) {
      const row = m.rows > seg ? start + t : t % m.rows;
      for (let f = 0; f < F; f++) x[b * F * seg + f * seg + t] = m.data[row * F + f];
    }
  });
  return tensor(x, [B, F, seg]);
}
