/**
 * Shared pieces of the pipelines: plugin specs, embedding with progress, metrics through the registry.
 * @module
 */
import type { BackboneInput } from "../contracts/backbone.ts";
import type { Metric } from "../contracts/scorer.ts";
import type { Matrix } from "../matrix.ts";
import { Progress, status } from "../progress.ts";
import type { Registry } from "../registry.ts";
import { registry as globalRegistry } from "../registry.ts";
import type { PluginKind } from "../contracts/base.ts";
import type { Utterance } from "./data.ts";

/** A plugin by name with options, as pipelines take them (`{ name: "ahc", options: { threshold: 0.5 } }`). */
export interface PluginSpec {
  readonly name: string;
  readonly options?: Record<string, unknown>;
  /** Label used in reports (default: the name). */
  readonly label?: string;
}

/** Accepts "name" or a spec. */
export function spec(s: string | PluginSpec): PluginSpec {
  return typeof s === "string" ? { name: s } : s;
}

/** Label of a spec. */
export function labelOf(s: PluginSpec): string {
  return s.label ?? s.name;
}

/** The registry a pipeline uses (the global one unless given). */
export function reg(r?: Registry): Registry {
  return r ?? globalRegistry;
}

/** The full config a plugin runs with (defaults + options), for cache keys and reports. */
export function resolved(r: Registry, kind: PluginKind, s: PluginSpec): Record<string, unknown> {
  return { plugin: s.name, ...r.resolveConfig(kind, s.name, s.options ?? {}) };
}

/**
 * A content checksum of in-memory samples for cache keys: every sample's bits go in (FNV-1a over the
 * float32 words), so a change anywhere in the audio invalidates the cached stages that read it.
 */
export function samplesChecksum(x?: Float32Array): number {
  if (!x) return 0;
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ bits[i], 0x01000193);
  return h >>> 0;
}

/** What identifies an utterance in a cache key: id, speaker, and its file or its samples' checksum. */
export function utteranceKey(u: Utterance): unknown[] {
  return u.samples
    ? [u.id, u.speaker, u.samples.length, samplesChecksum(u.samples)]
    : [u.id, u.speaker, u.path ?? null];
}

/** Speaker index per item (0..S-1 in first-seen order of `speakers`), without an O(n*S) indexOf. */
export function speakerIndex(
  items: readonly string[],
  speakers: readonly string[] = [...new Set(items)],
): Int32Array {
  const ids = new Map(speakers.map((s, i) => [s, i]));
  return Int32Array.from(items, (s) => ids.get(s) ?? -1);
}

/** Embeds inputs in batches with a progress bar; returns a rows x dim matrix. */
export async function embedAll(
  backbone: { dim: number; embed(inputs: readonly BackboneInput[]): Promise<Float32Array[]> },
  count: number,
  input: (i: number) => BackboneInput | Promise<BackboneInput>,
  label: string,
  batch = 8,
): Promise<Matrix> {
  const out = new Float32Array(count * backbone.dim);
  const bar = new Progress(label, count);
  for (let i = 0; i < count; i += batch) {
    const inputs: BackboneInput[] = [];
    for (let k = i; k < Math.min(count, i + batch); k++) inputs.push(await input(k));
    const embs = await backbone.embed(inputs);
    embs.forEach((e, k) => out.set(e, (i + k) * backbone.dim));
    bar.tick(inputs.length);
  }
  bar.done();
  return { rows: count, cols: backbone.dim, data: out };
}

/** Verification metrics through the registry's metric plugins (eer, min-dcf, cllr), in percent where usual. */
export async function verificationMetrics(
  r: Registry,
  scores: Float32Array,
  labels: Int8Array,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const run = async (name: string, options: Record<string, unknown> = {}) => {
    if (!r.has("scorer", name)) {
      status(`metric plugin '${name}' is not registered; skipping it`);
      return {};
    }
    const m = await r.create("scorer", name, options) as Metric;
    return m.compute({ scores, labels });
  };
  const e = await run("eer");
  if ("eer" in e) out["EER %"] = e.eer * 100;
  const d = await run("min-dcf", { pTargets: [0.01, 0.05] });
  if ("minDcf@0.01" in d) out["minDCF 0.01"] = d["minDcf@0.01"];
  if ("minDcf@0.05" in d) out["minDCF 0.05"] = d["minDcf@0.05"];
  const c = await run("cllr");
  if ("cllr" in c) out["Cllr"] = c.cllr;
  if ("minCllr" in c) out["minCllr"] = c.minCllr;
  return out;
}
