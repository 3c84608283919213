/**
 * `music` augmenter: real music files (`dir`, e.g. the shared data's augment/music, 8 kHz, resampled)
 * added at an SNR drawn from MUSAN's "music" range in Kaldi/WeSpeaker recipes, 5-15 dB. `split:
 * "train"` uses only the training files of core/augment/sources.ts MUSIC_SPLIT (the test files corrupt
 * evaluation sets). The folder is always given by the caller.
 * @module
 */
import { definePlugin, opt } from "../../core/plugin.ts";
import type { Augmenter } from "../../core/contracts/augment.ts";
import { addAtSnr, meanSquare, randomChunk, uniform } from "../../core/augment/mix.ts";
import { loadMusic } from "../../core/augment/sources.ts";
import { ConfigError } from "../../core/errors.ts";
import { probOption, rangeOption, waveformAugmenter } from "../../core/augment/plugin_kit.ts";

/** `music` augmenter plugin. */
export const musicAugmenter = definePlugin({
  kind: "adapter",
  role: "augment",
  name: "music",
  description: "adds real music (files in `dir`, training split) at an SNR drawn from 5-15 dB",
  module: import.meta.url,
  options: {
    dir: opt.string("", "music folder (required; e.g. the shared data's augment/music)"),
    split: opt.oneOf(["train", "test", "all"] as const, "train", "which files: the training or test split"),
    files: opt.strings([], "file names inside dir (overrides split)"),
    snrDb: rangeOption([5, 15], "SNR range (dB)"),
    sampleRate: opt.integer(16000, "rate the music is resampled to (Hz); inputs must have it", { min: 1 }),
    prob: probOption,
  },
  async create(c): Promise<Augmenter> {
    if (!c.dir) {
      throw new ConfigError(
        "adapter 'music'",
        "give 'dir': the folder of music files (e.g. ../shared/data/augment/music; train --music-dir)",
      );
    }
    const dir = c.dir;
    const music = await loadMusic(dir, c.split, c.sampleRate, c.files);
    return waveformAugmenter({
      name: "music",
      prob: c.prob,
      sampleRate: { hz: c.sampleRate, source: "the music was loaded at" },
      draw: (x, ctx) => {
        const k = ctx.rng.int(music.samples.length);
        let chunk = randomChunk(music.samples[k], x.length, ctx.rng);
        for (let t = 0; meanSquare(chunk) < 1e-8 && t < 5; t++) {
          chunk = randomChunk(music.samples[k], x.length, ctx.rng);
        }
        const snr = uniform(ctx.rng, c.snrDb[0], c.snrDb[1]);
        return { out: addAtSnr(x, chunk, snr).samples, applied: { file: music.names[k], snrDb: snr } };
      },
      info: () => ({ source: dir, files: music.names, snrDb: c.snrDb, prob: c.prob }),
    });
  },
});
