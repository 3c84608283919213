/**
 * A seeded corrupted copy of an evaluation set, built only from test-side sources (disjoint from every
 * training source of the augmenters):
 *
 * | condition | source (test side)                                                  | training side                   |
 * | --------- | ------------------------------------------------------------------- | ------------------------------- |
 * | noise     | coloured noise with a spectral exponent β drawn from [0, 2]        | white/pink/brown (β = 0, 1, 2)  |
 * | music     | MUSIC_SPLIT.test (Manolo Camp, Reno Project)                        | MUSIC_SPLIT.train (Macroform)   |
 * | speech    | one competing talker from `competing` (e.g. the shared data's AMI excerpts: 27 AMI speakers, none in LibriSpeech) | LibriSpeech train-clean-100 babble |
 * | reverb    | simulated rooms from a separate seed, RT60 0.3-1.0 s                | bank seed 20240601, RT60 0.2-0.8 s |
 *
 * Every utterance gets exactly one condition (a seeded balanced assignment); additive conditions use an
 * SNR drawn uniformly from [0, 10] dB over the whole utterance. Seeds and draws are returned per
 * utterance so reports can record them. The music folder and the competing talkers come from the
 * caller (core/ knows no data location); a condition that needs a missing source is refused.
 * @module
 */
import { Rng } from "../random.ts";
import { join } from "../paths.ts";
import { colouredNoise } from "./noise.ts";
import { addAtSnr, meanSquare, randomChunk, subSeed, uniform } from "./mix.ts";
import { loadMusic, loadTalkers } from "./sources.ts";
import { ConfigError } from "../errors.ts";
import { imageSourceRir, randomRoom, type RoomRanges } from "./rir.ts";
import { reverberate } from "./reverb.ts";
import type { Talker } from "./babble.ts";

/** A corruption condition. */
export type Condition = "noise" | "music" | "speech" | "reverb";

/** An utterance with its samples in memory (what core/pipelines' Utterance accepts). */
export interface AudioUtterance {
  readonly id: string;
  readonly speaker: string;
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

/** Options of {@link corruptUtterances}. */
export interface CorruptOptions {
  readonly seed?: number;
  readonly conditions?: readonly Condition[];
  readonly snrDb?: readonly [number, number];
  /** Music folder holding MUSIC_SPLIT's files (the test split is used); needed by the music condition. */
  readonly musicDir?: string;
  /** Competing talkers (e.g. {@link amiTalkerFiles} of the shared data's ami folder); needed by the speech condition. */
  readonly competing?: readonly { speaker: string; path: string }[];
  readonly rooms?: RoomRanges;
}

/** What was done to one utterance. */
export interface CorruptionRecord {
  readonly id: string;
  readonly condition: Condition;
  readonly snrDb?: number;
  readonly source?: string;
  readonly rt60?: number;
  readonly beta?: number;
}

/** The AMI excerpts in `dir` as competing speech (file name = talker; empty.wav left out). */
export async function amiTalkerFiles(dir: string): Promise<{ speaker: string; path: string }[]> {
  const out: { speaker: string; path: string }[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".wav") && e.name !== "empty.wav") {
      out.push({ speaker: `ami:${e.name}`, path: join(dir, e.name) });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** A non-silent chunk of `src` (a few redraws before accepting a quiet one). */
function audibleChunk(src: Float32Array, len: number, rng: Rng): Float32Array {
  let c = randomChunk(src, len, rng);
  for (let t = 0; meanSquare(c) < 1e-6 && t < 10; t++) c = randomChunk(src, len, rng);
  return c;
}

/** Corrupts every utterance with one condition (see the module notes); the inputs are not changed. */
export async function corruptUtterances(
  utts: readonly AudioUtterance[],
  o: CorruptOptions = {},
): Promise<{ utterances: AudioUtterance[]; records: CorruptionRecord[]; seed: number }> {
  const seed = o.seed ?? 4242;
  const conditions = o.conditions ?? ["noise", "music", "speech", "reverb"];
  const [lo, hi] = o.snrDb ?? [0, 10];
  const rate = utts[0]?.sampleRate ?? 16000;
  if (utts.some((u) => u.sampleRate !== rate)) throw new RangeError("corruptUtterances: mixed sample rates");
  if (conditions.includes("music") && !o.musicDir) {
    throw new ConfigError(
      "corrupt",
      "the music condition needs musicDir (a folder with the MUSIC_SPLIT files)",
    );
  }
  if (conditions.includes("speech") && !o.competing?.length) {
    throw new ConfigError("corrupt", "the speech condition needs competing talkers ([{speaker, path}])");
  }
  const music = conditions.includes("music") ? await loadMusic(o.musicDir!, "test", rate) : null;
  const talkers: Talker[] = conditions.includes("speech") ? await loadTalkers(o.competing!, rate) : [];
  const rooms = o.rooms ?? { rt60: [0.3, 1.0] as const };
  // balanced assignment: conditions repeated to cover every utterance, shuffled by the seed
  const assign = utts.map((_, i) => conditions[i % conditions.length]);
  new Rng(seed).shuffle(assign);
  const out: AudioUtterance[] = [], records: CorruptionRecord[] = [];
  utts.forEach((u, i) => {
    const rng = new Rng(subSeed(seed, i + 1));
    const cond = assign[i];
    const x = u.samples;
    let y: Float32Array;
    let rec: CorruptionRecord;
    if (cond === "reverb") {
      const room = randomRoom(rng, rooms);
      y = reverberate(x, imageSourceRir(room, { sampleRate: rate }));
      rec = { id: u.id, condition: cond, rt60: room.rt60 };
    } else {
      const snr = uniform(rng, lo, hi);
      let noise: Float32Array, source: string, beta: number | undefined;
      if (cond === "noise") {
        beta = uniform(rng, 0, 2);
        noise = colouredNoise(x.length, beta, rng);
        source = "coloured";
      } else if (cond === "music") {
        const k = rng.int(music!.samples.length);
        noise = audibleChunk(music!.samples[k], x.length, rng);
        source = music!.names[k];
      } else {
        const k = rng.int(talkers.length);
        noise = audibleChunk(talkers[k].samples, x.length, rng);
        source = talkers[k].speaker;
      }
      y = addAtSnr(x, noise, snr).samples;
      rec = { id: u.id, condition: cond, snrDb: snr, source, ...(beta !== undefined ? { beta } : {}) };
    }
    out.push({ id: u.id, speaker: u.speaker, samples: y, sampleRate: rate });
    records.push(rec);
  });
  return { utterances: out, records, seed };
}
