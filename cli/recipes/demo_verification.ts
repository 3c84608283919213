/**
 * The demo's verification parts: which speaker backbones run (fbank-stats, the shipped model, a pulled
 * zoo model or a file, a seeded random-weight x-vector) and the report sections and summary of the run.
 * @module
 */
import { ConfigError, InputError } from "../../core/errors.ts";
import { basename, exists } from "../../core/paths.ts";
import type { PluginSpec } from "../../core/pipelines/stages/mod.ts";
import type { VerifyResult } from "../../core/pipelines/verify.ts";
import type { VerificationSection } from "../../core/report/html.ts";
import { zooModel } from "../../core/zoo/catalog.ts";
import { installedPath } from "../../core/zoo/store.ts";
import { systemsJson } from "../commands/verify.ts";

/** The recommended speaker model that ships with embedkit (a zoo alias; trained by `embedkit train`). */
export const SHIPPED_SPEAKER_MODEL = "embedkit-speaker";

/** The backbones the demo compares, with a note for each that needs one. */
export async function speakerBackbones(
  o: { model?: string; ep?: string; trainedTdnn?: boolean; randomXvector?: boolean },
  seed: number,
  notes: string[],
): Promise<PluginSpec[]> {
  const ep = o.ep ? { ep: o.ep } : {};
  const out: PluginSpec[] = [{ name: "fbank-stats", label: "fbank-stats" }];
  if (o.trainedTdnn ?? true) {
    // by zoo name, so the file's sha256 is checked when it loads
    out.push({
      name: "onnx-speaker",
      label: `trained by embedkit (${zooModel(SHIPPED_SPEAKER_MODEL).name})`,
      options: { model: `zoo:${SHIPPED_SPEAKER_MODEL}`, ...ep },
    });
    notes.push(
      `Trained by embedkit: zoo model '${SHIPPED_SPEAKER_MODEL}' = ${zooModel(SHIPPED_SPEAKER_MODEL).name} ` +
        "(on LibriSpeech train-clean-100: speakers disjoint from test-other).",
    );
  }
  if (o.model) {
    const m = await modelOptions(o.model);
    out.push({ name: "onnx-speaker", label: m.label, options: { ...m.options, ...ep } });
    notes.push(`Model: ${m.label} from ${m.options.model}.`);
  }
  if (o.randomXvector ?? true) {
    out.push({
      name: "onnx-speaker",
      label: "x-vector (random weights, UNTRAINED)",
      options: { model: `random:xvector-small@${seed % 100000}`, ...ep },
    });
  }
  return out;
}

/** A zoo name (installed file or bundled) or a path to an .onnx file -> onnx-speaker options. */
async function modelOptions(name: string): Promise<{ label: string; options: Record<string, unknown> }> {
  if (name.endsWith(".onnx") || name.includes("/")) {
    if (!await exists(name)) {
      throw new InputError(
        name,
        "no such model file; give a zoo name (deno task embedkit models list) or a path to an .onnx file",
      );
    }
    return { label: `onnx-speaker ${basename(name)}`, options: { model: name } };
  }
  const m = zooModel(name);
  const installed = await installedPath(m);
  if (!installed) {
    throw new ConfigError(
      "demo",
      `zoo model '${name}' is not downloaded; run 'deno task embedkit models pull ${name}' first (the demo itself never downloads)`,
    );
  }
  return {
    label: `${name} (pretrained, zoo)`,
    options: {
      model: installed,
      ...(m.frontend && m.frontend !== "metadata" ? { frontend: m.frontend } : {}),
    },
  };
}

/** Report sections (DET, histograms, PCA per system) and the results.json summary of a verification run. */
export function verificationSummary(v: VerifyResult, notes: string[]) {
  notes.push(
    `Verification trials: ${v.counts.target} target (all same-speaker pairs) + ${v.counts.nonTarget} non-target (seeded sample, seed ${v.seed}) over ${v.counts.utterances} utterances of ${v.counts.speakers} speakers; cosine scoring.`,
  );
  const classes = v.utterances.map((u) => u.speaker);
  const sections: VerificationSection[] = v.systems.map((s) => ({
    label: s.label,
    metrics: s.metrics,
    scores: s.scores,
    labels: v.trials.labels,
    note: [
      s.note,
      s.label.includes("UNTRAINED")
        ? "seeded random weights: shows the ONNX path runs, not a trained model"
        : "",
    ]
      .filter(Boolean).join("; "),
    embeddings: s.embeddings ? { x: s.embeddings, classes } : undefined,
  }));
  const summary = {
    dataset: v.name,
    counts: v.counts,
    systems: systemsJson(v),
    trialsSeed: v.seed,
  };
  return { sections, summary };
}
