/**
 * The SdSV-style semi-supervised step: cluster the unlabelled target-domain embeddings, keep the rows
 * nearest each centroid as pseudo-speakers, train a head on source speakers + pseudo-speakers (the
 * `pseudo-label` adapter, through the registry), and report target EER and cluster accuracy / NMI
 * before and after, plus how well the pseudo-labels agree with the true target speakers.
 * @module
 */
import { type AdaptOptions, adaptPipeline, type AdaptResult } from "./adapt.ts";

/** Options of {@link pseudoLabel} (the adapter defaults to `pseudo-label`). */
export type PseudoLabelOptions = Omit<AdaptOptions, "adapter" | "fitWith" | "name"> & {
  readonly adapter?: AdaptOptions["adapter"];
};

/** Runs the pseudo-label pipeline. */
export function pseudoLabel(opts: PseudoLabelOptions): Promise<AdaptResult> {
  return adaptPipeline({
    ...opts,
    adapter: opts.adapter ?? "pseudo-label",
    fitWith: "source+target",
    kShot: 0,
    name: "pseudo-label",
  });
}
