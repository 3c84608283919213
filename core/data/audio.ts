/**
 * Audio for the pipelines: an utterance's samples at the pipeline's rate, from memory or from its file
 * (core/audio/read.ts: decoding every common format, resampling with libsamplerate).
 * @module
 */
import { readAudio } from "../audio/read.ts";
import { InputError } from "../errors.ts";
import type { Utterance } from "./datasets.ts";

/** Mono samples of a file, resampled to `sampleRate` when given. */
export async function readMono(
  path: string,
  sampleRate?: number,
): Promise<{ samples: Float32Array; sampleRate: number }> {
  const a = await readAudio(path, sampleRate ? { sampleRate } : {});
  return { samples: a.samples, sampleRate: a.sampleRate };
}

/** An utterance's samples at `sampleRate` (files are resampled; in-memory audio must match), cropped to `maxSeconds`. */
export async function utteranceAudio(
  u: Utterance,
  sampleRate: number,
  maxSeconds = Infinity,
): Promise<{ samples: Float32Array; sampleRate: number }> {
  const a = u.samples
    ? { samples: u.samples, sampleRate: u.sampleRate ?? sampleRate }
    : await readMono(u.path!, sampleRate);
  if (a.sampleRate !== sampleRate) {
    throw new InputError(
      u.id,
      `in-memory audio is ${a.sampleRate} Hz but the pipeline runs at ${sampleRate} Hz; resample it first`,
    );
  }
  if (!a.samples.length) throw new InputError(u.path ?? u.id, "audio is empty");
  const max = Math.round(maxSeconds * sampleRate);
  return a.samples.length > max ? { samples: a.samples.subarray(0, max), sampleRate } : a;
}
