/**
 * Built-in adapter plugins. Each file in this folder is one plugin; list it here to register it.
 * @module
 */
import type { PluginDefinition } from "../../core/contracts/base.ts";
import { meanSubAdapter } from "./mean_sub.ts";
import { ldaAdapter } from "./lda.ts";
import { wccnAdapter } from "./wccn.ts";
import { pldaAdapter } from "./plda.ts";
import { coralAdapter } from "./coral.ts";
import { langInvariantAdapter } from "./lang_invariant.ts";
import { ckmAdaptAdapter } from "./ckm_adapt.ts";
import { pseudoLabelAdapter } from "./pseudo_label.ts";
import { noiseAugmenter } from "./aug_noise.ts";
import { musicAugmenter } from "./aug_music.ts";
import { babbleAugmenter } from "./aug_babble.ts";
import { reverbAugmenter } from "./aug_reverb.ts";
import { speedAugmenter } from "./aug_speed.ts";
import { specAugmentAugmenter } from "./aug_specaugment.ts";

/** Every built-in plugin of this kind. */
export const plugins: PluginDefinition[] = [
  meanSubAdapter,
  ldaAdapter,
  wccnAdapter,
  pldaAdapter,
  coralAdapter,
  langInvariantAdapter,
  ckmAdaptAdapter,
  pseudoLabelAdapter,
  noiseAugmenter,
  musicAugmenter,
  babbleAugmenter,
  reverbAugmenter,
  speedAugmenter,
  specAugmentAugmenter,
];
