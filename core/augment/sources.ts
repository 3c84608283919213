/**
 * Sources of additive signals: real music files (MUSAN's "music" role; the shared data's
 * augment/music folder holds 8 kHz files, resampled to the training rate by core/audio/read.ts, i.e.
 * libsamplerate) split into disjoint training and test files, and talkers (speech) read from audio
 * files. Folders always come from the caller (a CLI option, a test, a cli recipe): core/ knows no
 * data location.
 * @module
 */
import { readAudio } from "../audio/read.ts";
import { InputError } from "../errors.ts";
import { join } from "../paths.ts";
import type { Talker } from "./babble.ts";

/**
 * Which music files train and which corrupt test sets: disjoint artists, so no test corruption was
 * heard in training (training 712 s by Macroform; test 395 s by Manolo Camp and Reno Project).
 */
export const MUSIC_SPLIT = {
  train: ["macroform-cold_day.wav", "macroform-robot_dity.wav", "macroform-the_simplicity.wav"],
  test: ["manolo_camp-morning_coffee.wav", "reno_project-system.wav"],
} as const;

/** A music split name. */
export type MusicSplit = keyof typeof MUSIC_SPLIT | "all";

const loaded = new Map<string, Promise<Float32Array>>();

/** Mono samples of one file at `sampleRate`, read once per process (music files are minutes long). */
export function loadSource(path: string, sampleRate: number): Promise<Float32Array> {
  const key = `${path}@${sampleRate}`;
  let p = loaded.get(key);
  if (!p) {
    p = readAudio(path, { sampleRate }).then((a) => {
      if (!a.samples.length) throw new InputError(path, "the source is empty; drop it from the list");
      return a.samples;
    });
    p.catch(() => loaded.delete(key));
    loaded.set(key, p);
  }
  return p;
}

/** The music files of a split (or `files`, names inside `dir`), at `sampleRate`. */
export async function loadMusic(
  dir: string,
  split: MusicSplit,
  sampleRate: number,
  files?: readonly string[],
): Promise<{ names: string[]; samples: Float32Array[] }> {
  const names = files?.length
    ? [...files]
    : split === "all"
    ? [...MUSIC_SPLIT.train, ...MUSIC_SPLIT.test]
    : [...MUSIC_SPLIT[split]];
  return { names, samples: await Promise.all(names.map((n) => loadSource(join(dir, n), sampleRate))) };
}

/** Talkers from audio files, each cut to `maxSeconds` (speech for babble and competing speech). */
export async function loadTalkers(
  files: readonly { speaker: string; path: string }[],
  sampleRate: number,
  maxSeconds = Infinity,
): Promise<Talker[]> {
  const max = Math.round(maxSeconds * sampleRate);
  const out: Talker[] = [];
  for (const f of files) {
    const s = await loadSource(f.path, sampleRate);
    out.push({ speaker: f.speaker, samples: s.length > max ? s.subarray(0, max) : s });
  }
  return out;
}
