/**
 * The training recipe's `augment` option: a preset name or a comma list of augmenter plugin names,
 * turned into an {@link AugmentRecipe} (core/augment/recipe.ts). The waveform augmenters keep the
 * relative weights of DEFAULT_AUGMENT (WeSpeaker's add_reverb_noise: reverberation as likely as the
 * three additive kinds together) and act on a crop with probability `prob`; `specaugment` masks the
 * features afterwards. Sources come from the caller: the music folder and the babble talkers (the
 * training speakers' own files, never test speakers).
 *
 * | preset     | augmenters                                   |
 * | ---------- | -------------------------------------------- |
 * | `none`     | (none)                                       |
 * | `default`  | noise, music, babble, reverb, specaugment    |
 * | `additive` | noise, music, babble, specaugment            |
 * | `wave`     | noise, music, babble, reverb                 |
 * @module
 */
import { ConfigError } from "../errors.ts";
import { type AugmentRecipe, DEFAULT_AUGMENT } from "./recipe.ts";

/** The augmenters the option names (waveform ones, then SpecAugment). */
export const AUGMENTERS = ["noise", "music", "babble", "reverb", "specaugment"] as const;
/** One of {@link AUGMENTERS}. */
export type AugmenterName = (typeof AUGMENTERS)[number];

/** Named recipes. */
export const AUGMENT_PRESETS: Readonly<Record<string, readonly AugmenterName[]>> = {
  none: [],
  default: ["noise", "music", "babble", "reverb", "specaugment"],
  additive: ["noise", "music", "babble", "specaugment"],
  wave: ["noise", "music", "babble", "reverb"],
};

/** The augmenter names of an `augment` value ("" = none); throws a ConfigError naming the bad entry. */
export function augmenterNames(spec: string): AugmenterName[] {
  const s = spec.trim();
  if (!s) return [];
  if (s in AUGMENT_PRESETS) return [...AUGMENT_PRESETS[s]];
  const names = s.split(",").map((x) => x.trim()).filter(Boolean);
  for (const n of names) {
    if (!(AUGMENTERS as readonly string[]).includes(n)) {
      throw new ConfigError(
        "train",
        `augment: unknown augmenter '${n}'; give a preset (${Object.keys(AUGMENT_PRESETS).join(", ")}) ` +
          `or a comma list of ${AUGMENTERS.join(", ")}`,
      );
    }
  }
  return [...new Set(names)] as AugmenterName[];
}

/** What the sources of a recipe need from the caller. */
export interface AugmentSources {
  /** Probability that a crop gets one waveform augmentation (WeSpeaker 0.6). */
  readonly prob: number;
  /** Folder of the music files (needed when `music` is asked for). */
  readonly musicDir?: string;
  /** Babble talkers: the training utterances' files (needed when `babble` is asked for). */
  readonly talkers?: readonly { speaker: string; path: string }[];
  /** Read at most this much of each babble file (s). */
  readonly talkerSeconds?: number;
  /** Options of each augmenter plugin by name (e.g. { reverb: { rooms: 50 } }), merged over the recipe's. */
  readonly options?: Readonly<Record<string, Record<string, unknown>>>;
}

/** The recipe of an `augment` value, or null for none; says which source is missing. */
export function augmentRecipe(spec: string, src: AugmentSources): AugmentRecipe | null {
  const names = augmenterNames(spec);
  if (!names.length) return null;
  const has = (n: AugmenterName) => names.includes(n);
  if (has("music") && !src.musicDir) {
    throw new ConfigError(
      "train",
      "augment 'music' needs the music folder: give musicDir (CLI --music-dir, e.g. ../shared/data/augment/music)",
    );
  }
  if (has("babble")) {
    const files = src.talkers ?? [];
    if (new Set(files.map((t) => t.speaker)).size < 2) {
      throw new ConfigError(
        "train",
        "augment 'babble' needs the training utterances as files from at least 2 speakers " +
          "(in-memory utterances have no files to read talkers from); drop babble or train from a data dir",
      );
    }
  }
  const extra = src.options ?? {};
  const stray = Object.keys(extra).find((k) => !has(k as AugmenterName));
  if (stray) {
    throw new ConfigError(
      "train",
      `augment options for '${stray}', which is not in the augmentation (${names.join(", ")})`,
    );
  }
  const w = DEFAULT_AUGMENT.weights;
  const own: Record<string, Record<string, unknown>> = {
    music: { dir: src.musicDir },
    babble: { talkers: src.talkers, maxSeconds: src.talkerSeconds ?? 30 },
  };
  const opts = (n: AugmenterName) => ({ ...own[n], ...extra[n] });
  return {
    prob: src.prob,
    weights: Object.fromEntries(
      (["noise", "music", "babble", "reverb"] as const).filter(has).map((n) => [n, w[n] ?? 1]),
    ),
    ...Object.fromEntries(
      (["noise", "music", "babble", "reverb"] as const).filter(has).map((n) => [n, opts(n)]),
    ),
    specaugment: has("specaugment") ? opts("specaugment") : null,
  };
}
