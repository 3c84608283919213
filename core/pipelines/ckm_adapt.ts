/**
 * Deep-clustering domain adaptation (concrete k-means on an autoencoder's codes, the `ckm-adapt`
 * adapter through the registry), unsupervised or k-shot semi-supervised on the target domain; reports
 * target EER and cluster accuracy / NMI before and after.
 * @module
 */
import { type AdaptOptions, adaptPipeline, type AdaptResult } from "./adapt.ts";

/** Options of {@link ckmAdapt}: `kShot` > 0 gives the adapter that many labelled target utterances per speaker. */
export type CkmAdaptOptions = Omit<AdaptOptions, "adapter" | "fitWith" | "name"> & {
  readonly adapter?: AdaptOptions["adapter"];
};

/** Runs the CKM adaptation pipeline (semi-supervised mode when kShot > 0). */
export function ckmAdapt(opts: CkmAdaptOptions): Promise<AdaptResult> {
  const kShot = opts.kShot ?? 0;
  const adapter = opts.adapter ??
    { name: "ckm-adapt", options: { mode: kShot > 0 ? "semi-supervised" : "unsupervised" } };
  return adaptPipeline({ ...opts, adapter, fitWith: "target", kShot, name: "ckm-adapt" });
}
