/**
 * `babble` augmenter: 3-7 other talkers, each at an SNR drawn from 13-20 dB (Kaldi's MUSAN babble,
 * core/augment/babble.ts). Talkers come from `talkers` (training utterances only; never test
 * speakers); the crop's own speaker (AugmentContext.speaker) is never among them.
 * @module
 */
import { definePlugin, opt } from "../../core/plugin.ts";
import { ConfigError } from "../../core/errors.ts";
import type { Augmenter } from "../../core/contracts/augment.ts";
import { addBabble } from "../../core/augment/babble.ts";
import { loadTalkers } from "../../core/augment/sources.ts";
import { probOption, rangeOption, waveformAugmenter } from "../../core/augment/plugin_kit.ts";

type TalkerFile = { speaker: string; path: string };

/** `babble` augmenter plugin. */
export const babbleAugmenter = definePlugin({
  kind: "adapter",
  role: "augment",
  name: "babble",
  description:
    "adds 3-7 training talkers, each at 13-20 dB (Kaldi MUSAN babble); never the crop's own speaker",
  module: import.meta.url,
  options: {
    talkers: opt.json<TalkerFile[]>(
      [],
      "speech files as [{speaker, path}] (training speakers only)",
      (v) =>
        Array.isArray(v) && v.every((t) => t && typeof t.speaker === "string" && typeof t.path === "string")
          ? undefined
          : "give a list of {speaker: string, path: string}",
    ),
    count: rangeOption([3, 7], "talkers per crop", { min: 1, integer: true }),
    snrDb: rangeOption([13, 20], "SNR of each talker (dB)"),
    maxSeconds: opt.number(30, "read at most this much of each file (s)", { gt: 0 }),
    sampleRate: opt.integer(16000, "rate talkers are resampled to (Hz); inputs must have it", { min: 1 }),
    prob: probOption,
  },
  async create(c): Promise<Augmenter> {
    if (new Set(c.talkers.map((t) => t.speaker)).size < 2) {
      throw new ConfigError(
        "adapter 'babble'",
        "give 'talkers': at least 2 speakers' files as [{speaker, path}] (training speakers only)",
      );
    }
    const pool = await loadTalkers(c.talkers, c.sampleRate, c.maxSeconds);
    const cfg = { talkers: [c.count[0], c.count[1]] as const, snrDb: [c.snrDb[0], c.snrDb[1]] as const };
    return waveformAugmenter({
      name: "babble",
      prob: c.prob,
      sampleRate: { hz: c.sampleRate, source: "the talkers were loaded at" },
      draw: (x, ctx) => {
        const b = addBabble(x, pool, cfg, ctx.rng, ctx.speaker);
        return { out: b.samples, applied: { talkers: b.talkers.map((i) => pool[i].speaker), snrDb: b.snrs } };
      },
      info: () => ({
        source: `${pool.length} talker files, ${new Set(pool.map((t) => t.speaker)).size} speakers`,
        count: c.count,
        snrDb: c.snrDb,
        prob: c.prob,
      }),
    });
  },
});
