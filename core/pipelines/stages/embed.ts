/**
 * Embedding stages: utterances (audio read once and shared by every backbone of a run), regions of one
 * recording (diarization windows), and texts. Each is cached under the backbone's config and code
 * hash and the inputs' fingerprints.
 * @module
 */
import type { Backbone, BackboneInput } from "../../contracts/backbone.ts";
import type { Region } from "../../contracts/vad.ts";
import { utteranceAudio } from "../../data/audio.ts";
import type { Utterance } from "../../data/datasets.ts";
import { ConfigError } from "../../errors.ts";
import { sha256Text } from "../../hash.ts";
import type { Matrix } from "../../matrix.ts";
import { Progress } from "../../progress.ts";
import { pluginKey, type Resolved, type Run, using } from "./context.ts";
import { audioFiles, utteranceKey } from "./data.ts";

/** Embeddings and the facts of the backbone that made them. */
export interface Embedded {
  /** One row per input. */
  readonly x: Matrix;
  /** The backbone's info(): model, EP, front end. */
  readonly info: Record<string, unknown>;
}

/** Embeds inputs in batches with a progress bar; returns a rows x dim matrix. */
export async function embedAll(
  backbone: Pick<Backbone, "dim" | "embed">,
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

/** Audio of a data set's utterances, read (and resampled) once per run and shared by every backbone. */
export class AudioCache {
  readonly #cache = new Map<number, { samples: Float32Array; sampleRate: number }>();
  /** `maxSeconds` crops each utterance (speed). */
  constructor(
    readonly utts: readonly Utterance[],
    readonly sampleRate: number,
    readonly maxSeconds: number = Infinity,
  ) {}
  /** Samples of utterance `i`. */
  async get(i: number): Promise<{ samples: Float32Array; sampleRate: number }> {
    let a = this.#cache.get(i);
    if (!a) this.#cache.set(i, a = await utteranceAudio(this.utts[i], this.sampleRate, this.maxSeconds));
    return a;
  }
}

function needModality(run: Run, b: Backbone, name: string, want: "audio" | "text"): void {
  if (b.modality !== want) {
    throw new ConfigError(run.name, `backbone '${name}' takes ${b.modality}, not ${want}`);
  }
}

/** Stage `embed-<label>`: one embedding per utterance. */
export function embedUtterances(
  run: Run,
  audio: AudioCache,
  bb: Resolved<"backbone">,
  stage = `embed-${bb.label}`,
): Promise<Embedded> {
  const { utts } = audio;
  return run.stages.stage(stage, {
    config: {
      backbone: pluginKey(bb),
      sampleRate: audio.sampleRate,
      maxSeconds: Number.isFinite(audio.maxSeconds) ? audio.maxSeconds : null,
      utterances: utts.map(utteranceKey),
    },
    files: audioFiles(utts),
  }, (ctx) =>
    using(run, bb, async (model) => {
      needModality(run, model, bb.name, "audio");
      const x = await embedAll(
        model,
        utts.length,
        async (i) => ({ id: utts[i].id, ...(await audio.get(i)) }),
        `embed ${bb.label}`,
      );
      ctx.log(`${x.rows} embeddings of dim ${x.cols}`);
      return { x, info: model.info() };
    }));
}

/** One recording's samples and what identifies them in a cache key. */
export interface Recording {
  /** Recording id (RTTM file field). */
  readonly file: string;
  /** Mono samples at `sampleRate`. */
  readonly samples: Float32Array;
  /** Hz. */
  readonly sampleRate: number;
  /** Cache-key facts of the audio (source, length, checksum). */
  readonly key: unknown;
}

/** Stage `embed`: one embedding per region of a recording (e.g. sliding windows over speech). */
export function embedRegions(
  run: Run,
  rec: Recording,
  regions: readonly Region[],
  bb: Resolved<"backbone">,
  stage = "embed",
): Promise<Embedded> {
  return run.stages.stage(stage, {
    config: { backbone: pluginKey(bb), audio: rec.key, regions: regions.map((r) => [r.start, r.end]) },
  }, (ctx) =>
    using(run, bb, async (model) => {
      needModality(run, model, bb.name, "audio");
      const at = (t: number) => Math.round(t * rec.sampleRate);
      const x = await embedAll(model, regions.length, (i) => ({
        id: `${rec.file}:${regions[i].start.toFixed(2)}`,
        samples: rec.samples.subarray(at(regions[i].start), at(regions[i].end)),
        sampleRate: rec.sampleRate,
      }), `embed ${bb.label}`);
      ctx.log(`${x.rows} regions, dim ${x.cols}`);
      return { x, info: model.info() };
    }));
}

/** Named lists of texts embedded by one backbone, in order (a corpus before its queries). */
export type TextSets = Record<string, readonly { readonly id: string; readonly text: string }[]>;

/**
 * Stage `embed`: each named text list embedded in the order given (documents first, so a backbone that
 * fits on its first batch, as `tfidf-text` does, fits on the corpus); one batch per list.
 */
export async function embedTexts<K extends string>(
  run: Run,
  sets: Record<K, readonly { readonly id: string; readonly text: string }[]>,
  bb: Resolved<"backbone">,
  stage = "embed",
): Promise<Record<K, Matrix> & { info: Record<string, unknown> }> {
  // the key holds each list's size and content hash, not the texts themselves
  const digest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sets) as [string, unknown[]][]) {
    digest[k] = { n: v.length, sha256: await sha256Text(JSON.stringify(v)) };
  }
  return await run.stages.stage(
    stage,
    { config: { backbone: pluginKey(bb), sets: digest } },
    () =>
      using(run, bb, async (model) => {
        needModality(run, model, bb.name, "text");
        const out: Record<string, unknown> = {};
        for (const [k, list] of Object.entries(sets) as [string, { id: string; text: string }[]][]) {
          out[k] = await embedAll(model, list.length, (i) => list[i], `embed ${k}`, Math.max(1, list.length));
        }
        return { ...out, info: model.info() } as Record<K, Matrix> & { info: Record<string, unknown> };
      }),
  );
}
