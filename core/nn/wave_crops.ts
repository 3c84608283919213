/**
 * Training crops cut from waveforms, for online augmentation (WeSpeaker's pipeline: crop -> additive
 * noise / reverberation -> fbank -> CMN over the crop -> SpecAugment). Each crop draws one 32-bit seed
 * from the run's checkpointed augmentation generator and takes its start position and every
 * augmentation draw from a generator of its own seeded with it, so a crop's augmentation does not
 * depend on how many draws the previous crop's augmenters made, and a resumed run draws the same seeds.
 * Speed-perturbed copies (0.9x / 1.1x, new classes) are made once, up front.
 * @module
 */
import { type Tensor, tensor } from "../autodiff/tensor.ts";
import { type Augmentation, augmentCrop } from "../augment/recipe.ts";
import { speedPerturb } from "../augment/speed.ts";
import { utteranceAudio } from "../data/audio.ts";
import type { Utterance } from "../data/datasets.ts";
import { applyCmn } from "../features/cmn.ts";
import { fbank } from "../features/fbank.ts";
import { FBANK_PRESETS } from "../features/options.ts";
import { Progress } from "../progress.ts";
import { Rng } from "../random.ts";
import type { StatefulRng } from "./rng.ts";

/** Waveforms of the training utterances (perturbed copies included) and their classes. */
export interface SpeakerAudio {
  /** One waveform per (utterance, speed factor), 16 kHz. */
  readonly audio: Float32Array[];
  /** Class of each waveform: speaker + factor index x speakers. */
  readonly labels: number[];
  /** Speaker name of each waveform (babble leaves the crop's own speaker out). */
  readonly speakers: string[];
  readonly numClasses: number;
  /** Speed-factor index of each waveform (0 = the original speed). */
  readonly factor: number[];
  /** Utterance index of each waveform. */
  readonly utt: number[];
}

/** Reads every utterance (cut to `maxSeconds`) and makes the speed-perturbed copies. */
export async function speakerAudio(
  utts: readonly Utterance[],
  speakerOf: Int32Array,
  numSpeakers: number,
  o: { readonly maxSeconds: number; readonly speedPerturb: boolean },
): Promise<SpeakerAudio> {
  const factors = o.speedPerturb ? [1, 0.9, 1.1] : [1];
  const out: SpeakerAudio = {
    audio: [],
    labels: [],
    speakers: [],
    numClasses: numSpeakers * factors.length,
    factor: [],
    utt: [],
  };
  const bar = new Progress("train: audio", utts.length);
  for (let i = 0; i < utts.length; i++) {
    const a = (await utteranceAudio(utts[i], 16000, o.maxSeconds)).samples;
    factors.forEach((f, fi) => {
      out.audio.push(f === 1 ? a : speedPerturb(a, f));
      out.labels.push(speakerOf[i] + fi * numSpeakers);
      out.speakers.push(utts[i].speaker);
      out.factor.push(fi);
      out.utt.push(i);
    });
    bar.tick();
  }
  bar.done();
  return out;
}

/** Samples a crop of `frames` fbank frames needs (25 ms windows every 10 ms, snip edges). */
export function cropSamples(frames: number): number {
  return (frames - 1) * 160 + 400;
}

/**
 * One augmented crop per item as a [B, F, frames] tensor: a random window (shorter waveforms tiled),
 * the waveform augmentation, fbank (WeSpeaker preset, `numMelBins`) with CMN over the crop, then the
 * feature augmentation; every draw from a generator seeded by one draw of `rng`.
 */
export function waveCropTensor(
  data: SpeakerAudio,
  batch: readonly number[],
  frames: number,
  numMelBins: number,
  aug: Augmentation | null,
  rng: StatefulRng,
): Tensor {
  const F = numMelBins, B = batch.length, n = cropSamples(frames);
  const fopts = { ...FBANK_PRESETS.wespeaker, numMelBins };
  const toFeatures = (x: Float32Array) => applyCmn(fbank(x, fopts));
  const x = new Float32Array(B * F * frames);
  batch.forEach((u, b) => {
    const crng = new Rng(Math.floor(rng.next() * 4294967296));
    const src = data.audio[u];
    let crop: Float32Array;
    if (src.length >= n) {
      const st = crng.int(src.length - n + 1);
      crop = src.slice(st, st + n);
    } else crop = Float32Array.from({ length: n }, (_, i) => src[i % src.length]);
    const m = aug
      ? augmentCrop(aug, crop, toFeatures, { rng: crng, sampleRate: 16000, speaker: data.speakers[u] })
      : toFeatures(crop);
    if (m.rows !== frames) throw new RangeError(`waveCropTensor: ${m.rows} frames, expected ${frames}`);
    for (let t = 0; t < frames; t++) {
      for (let f = 0; f < F; f++) x[b * F * frames + f * frames + t] = m.data[t * F + f];
    }
  });
  return tensor(x, [B, F, frames]);
}
