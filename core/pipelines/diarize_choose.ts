/**
 * Which diarization recipe runs, and why, from what the user gave and what is installed:
 *
 * - precomputed embeddings: the window recipe (there is no audio to segment);
 * - streaming asked for: the online recipe, its local speakers from the segmentation given, else the
 *   installed segmentation model, else the VAD (works without weights);
 * - a segmentation given (a segmenter plugin, a model file, `oracle`): the overlap-aware recipe;
 * - `none`: the window recipe;
 * - nothing given: the overlap-aware recipe when zoo:pyannote-segmentation-3.0 is installed, else the
 *   window recipe (VAD -> windows -> embeddings -> clustering), which needs no model download.
 * @module
 */
import { zooModel } from "../zoo/catalog.ts";
import { installedPath } from "../zoo/store.ts";
import type { PluginSpec } from "./stages/mod.ts";
import type { PipelineChoice } from "./diarize_types.ts";

/** The segmentation model `diarize` uses when installed. */
export const DEFAULT_SEGMENTATION_MODEL = "pyannote-segmentation-3.0";

/** A recipe with the segmentation it uses. */
export interface Choice extends PipelineChoice {
  /** The segmentation source: a segmenter plugin spec, "oracle", "vad" (online only), or none. */
  readonly segmentation?: PluginSpec | "oracle" | "vad";
}

/** `zoo:NAME`, `random:...` or a `.onnx` path is a pyannet-segmentation model; else a segmenter spec. */
export function segmentationSpec(text: string, parse: (s: string) => PluginSpec): PluginSpec {
  return /^(zoo|random):/.test(text) || text.endsWith(".onnx")
    ? { name: "pyannet-segmentation", options: { model: text } }
    : parse(text);
}

/** True when the default segmentation model is in the zoo folder (checked against its sha256). */
export async function segmentationInstalled(): Promise<boolean> {
  try {
    return !!await installedPath(zooModel(DEFAULT_SEGMENTATION_MODEL));
  } catch {
    return false;
  }
}

/** Decides the recipe. `segmentation` is the user's text ("auto" or absent = decide). */
export async function choosePipeline(
  o: { readonly embeddings?: boolean; readonly online?: boolean; readonly segmentation?: string },
  parse: (s: string) => PluginSpec,
  installed: () => Promise<boolean> = segmentationInstalled,
): Promise<Choice> {
  const given = o.segmentation && o.segmentation !== "auto" ? o.segmentation : undefined;
  if (o.embeddings) return { name: "windows", why: "precomputed embeddings (--ark): clustering them" };
  const zoo = `zoo:${DEFAULT_SEGMENTATION_MODEL}`;
  if (o.online) {
    if (given === "oracle" || given === "vad") {
      return { name: "online", why: `--online with ${given} local speakers`, segmentation: given };
    }
    if (given && given !== "none") {
      return {
        name: "online",
        why: `--online with segmentation ${given}`,
        segmentation: segmentationSpec(given, parse),
      };
    }
    if (!given && await installed()) {
      return {
        name: "online",
        why: `--online with the installed ${zoo}`,
        segmentation: segmentationSpec(zoo, parse),
      };
    }
    return {
      name: "online",
      why: "--online with VAD speech split among locally clustered windows (no segmentation model installed)",
      segmentation: "vad",
    };
  }
  if (given === "none") return { name: "windows", why: "--segmentation none" };
  if (given === "vad") {
    return { name: "windows", why: "--segmentation vad: VAD -> windows -> embeddings -> clustering" };
  }
  if (given === "oracle") {
    return {
      name: "segmentation",
      why: "--segmentation oracle: local speakers from --reference",
      segmentation: "oracle",
    };
  }
  if (given) {
    return {
      name: "segmentation",
      why: `--segmentation ${given}`,
      segmentation: segmentationSpec(given, parse),
    };
  }
  if (await installed()) {
    return { name: "segmentation", why: `${zoo} is installed`, segmentation: segmentationSpec(zoo, parse) };
  }
  return {
    name: "windows",
    why:
      `no segmentation model given (--segmentation) or installed (${zoo}: 'deno task models pull ${DEFAULT_SEGMENTATION_MODEL}'), so VAD -> windows -> embeddings -> clustering, one speaker at a time`,
  };
}
