/**
 * The defaults that let `diarize AUDIO` estimate the number of speakers with no options: a clustering
 * rule per backbone and the CLI's preset, all tuned by bench/diarize_tune.ts on the AMI debug train and
 * development recordings (never test) and copied here from its output, bench/diarize_tune.results.json
 * (tests/diarize_defaults_test.ts checks the two are equal). A threshold belongs to one embedding space,
 * so a backbone without a tuned rule gets spectral clustering's eigengap, which needs no threshold.
 * @module
 */
import type { PluginSpec, Resolved } from "./stages/mod.ts";
import { ZOO_ALIASES } from "../zoo/catalog.ts";

/** A default clustering rule and the backbone it was tuned for. */
export interface TunedRule {
  readonly backbone: PluginSpec;
  readonly clusterer: PluginSpec;
}

/** Where the numbers come from. */
export const TUNED_BY =
  "bench/diarize_tune.ts on AMI debug train + development (bench/diarize_tune.results.json)";

/** The rule `diarize()` applies when no clusterer and no count is given, per backbone (library defaults). */
export const DEFAULT_RULES: Readonly<Record<string, TunedRule>> = {
  "fbank-stats": {
    backbone: { name: "fbank-stats" },
    clusterer: { name: "ahc-large", options: { linkage: "average", metric: "cosine", threshold: 1.6 } },
  },
  "embedkit-tdnn": {
    backbone: { name: "onnx-speaker", options: { model: "zoo:embedkit-tdnn-librispeech" } },
    clusterer: { name: "ahc-large", options: { linkage: "average", metric: "cosine", threshold: 1.375 } },
  },
  // zoo:embedkit-speaker (an alias of this model) gets this rule too: see sameBackbone
  "embedkit-ecapa": {
    backbone: { name: "onnx-speaker", options: { model: "zoo:embedkit-ecapa-librispeech" } },
    clusterer: { name: "ahc-large", options: { linkage: "average", metric: "cosine", threshold: 1.2 } },
  },
};

/** What `embedkit diarize AUDIO` runs with no options: the best system of the tuning. */
export const DIARIZE_PRESET: {
  readonly vad: PluginSpec;
  readonly backbone: PluginSpec;
  readonly window: number;
  readonly step: number;
  readonly center: boolean;
  readonly clusterer: PluginSpec;
} = {
  vad: { name: "silero", options: { threshold: 0.2 } },
  backbone: { name: "onnx-speaker", options: { model: "zoo:embedkit-ecapa-librispeech" } },
  window: 1.5,
  step: 0.75,
  center: false,
  clusterer: {
    name: "ahc-large",
    options: { linkage: "centroid", minClusterSize: 12, metric: "cosine", threshold: 0.85 },
  },
};

/**
 * The backbone the streaming recipe's thresholds ({@link ONLINE_TUNED}) were tuned with: the shipped TDNN
 * (bench/diarize_online.ts records it in its `setup`). It stays the online default until that script is
 * rerun with another model, even where the offline recipes moved to the ECAPA.
 */
export const ONLINE_BACKBONE: PluginSpec = {
  name: "onnx-speaker",
  options: { model: "zoo:embedkit-tdnn-librispeech" },
};

/**
 * The streaming recipe's thresholds with the shipped TDNN, tuned by bench/diarize_online.ts on AMI debug
 * train at 2 s of latency: diart's new-speaker distance `deltaNew` (its 1.0 belongs to pyannote's
 * embeddings) when local speakers come from a segmentation (the oracle's value), `vadDeltaNew` for the
 * VAD source, and that source's local clustering threshold (2, the largest cosine distance: never split a
 * buffer, one local speaker, was best).
 */
export const ONLINE_TUNED: {
  readonly deltaNew: number;
  readonly vadDeltaNew: number;
  readonly localThreshold: number;
} = { deltaNew: 0.9, vadDeltaNew: 0.7, localThreshold: 2 };

/**
 * The overlap-aware recipe's local-speaker embeddings and their clustering (pyannote's centroid AHC,
 * minimum cluster size 12): the backbone (TDNN or ECAPA), its threshold and whether to centre, tuned with
 * the oracle segmentation on the same recordings (pyannote's 0.7046 belongs to its WeSpeaker embeddings).
 */
export const OVERLAP_TUNED: {
  readonly backbone: PluginSpec;
  readonly threshold: number;
  readonly center: boolean;
} = {
  backbone: { name: "onnx-speaker", options: { model: "zoo:embedkit-ecapa-librispeech" } },
  threshold: 0.825,
  center: false,
};

/** A model spec with a zoo alias resolved (`zoo:embedkit-speaker` is the ECAPA the rule was tuned with). */
function modelId(model: unknown): unknown {
  if (typeof model !== "string" || !model.startsWith("zoo:")) return model;
  const name = model.slice(4);
  return `zoo:${ZOO_ALIASES[name] ?? name}`;
}

/** Same plugin and, when the rule names one, the same model file (a zoo alias counts as its target). */
function sameBackbone(b: Resolved<"backbone">, s: PluginSpec): boolean {
  return b.name === s.name &&
    (s.options?.model === undefined || modelId(b.config.model) === modelId(s.options.model));
}

/** The preset's clusterer with a report label (cut to the count when one is given). */
export function presetClusterer(numSpeakers: number | null): PluginSpec {
  return {
    ...DIARIZE_PRESET.clusterer,
    label: ruleLabel(DIARIZE_PRESET.clusterer, numSpeakers, "tuned preset"),
  };
}

function ruleLabel(c: PluginSpec, numSpeakers: number | null, what: string): string {
  const o = c.options ?? {};
  const given = numSpeakers === null ? "" : `, cut to the ${numSpeakers} speakers given`;
  if (c.name === "spectral") return `spectral, eigengap${given || ` (${what})`}`;
  const min = o.minClusterSize && o.minClusterSize !== 1 ? `, min cluster ${o.minClusterSize}` : "";
  return `AHC ${o.linkage} ${o.metric}${min}${given || ` <= ${o.threshold} (${what})`}`;
}

/**
 * The clusterer `diarize()` uses when none is given: the rule tuned for the backbone, or spectral
 * clustering's eigengap for a backbone without one (and for precomputed embeddings); with a known count
 * the same clusterer is cut to it. Returns the spec (with a report label) and why it was chosen.
 */
export function defaultClusterer(
  backbone: Resolved<"backbone"> | undefined,
  numSpeakers: number | null = null,
): { spec: PluginSpec; why: string } {
  const given = numSpeakers === null ? "" : `, cut to the ${numSpeakers} speakers given`;
  for (const [name, r] of Object.entries(DEFAULT_RULES)) {
    if (!backbone || !sameBackbone(backbone, r.backbone)) continue;
    const label = ruleLabel(r.clusterer, numSpeakers, "tuned default");
    return { spec: { ...r.clusterer, label }, why: `the rule tuned for ${name} by ${TUNED_BY}${given}` };
  }
  const what = backbone ? `backbone '${backbone.label}'` : "precomputed embeddings";
  return {
    spec: {
      name: "spectral",
      label: `spectral, eigengap${given || " (no threshold tuned for these embeddings)"}`,
    },
    why: `no threshold is tuned for ${what}, so spectral clustering's eigengap (which needs none)${given}`,
  };
}
