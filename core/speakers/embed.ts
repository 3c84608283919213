/**
 * The speaker registry's embedding step, kept in one place so it can become the shared `embed` stage:
 * {@link openBackbone} creates the backbone through the registry it is given and says which embedding
 * space it produces ({@link ModelId}); {@link embedFiles} reads each file with core/audio/read.ts
 * (any format, resampled with libsamplerate), hashes its bytes and embeds it.
 * @module
 */
import type { Backbone } from "../contracts/backbone.ts";
import type { Registry } from "../registry.ts";
import { decodeAudio } from "../audio/read.ts";
import { InputError } from "../errors.ts";
import { sha256Hex, sha256Text } from "../hash.ts";
import { Progress } from "../progress.ts";
import { canonicalJson, type ModelId } from "./model_id.ts";

/**
 * The backbone the speaker commands use unless told otherwise (or the store is bound to another): the
 * zoo name `embedkit-speaker`, which resolves to the recommended shipped speaker model
 * (core/zoo/catalog.ts ZOO_ALIASES). A store records the model's sha256 and its backbone spec, and the
 * CLI searches it with that backbone when --backbone is not given, so stores enrolled with another
 * model (e.g. `zoo:embedkit-tdnn-librispeech`) keep working when this default moves.
 */
export const DEFAULT_SPEAKER_BACKBONE = "onnx-speaker:model=zoo:embedkit-speaker";

/** Sample rate audio is resampled to before embedding (Hz). */
export const DEFAULT_SAMPLE_RATE = 16000;

/** A backbone by plugin name with options (what `--backbone NAME:key=value` parses to). */
export interface BackboneSpec {
  readonly name: string;
  readonly options?: Record<string, unknown>;
}

/** An open backbone and the embedding space it produces. */
export interface OpenBackbone {
  readonly backbone: Backbone;
  readonly model: ModelId;
  readonly sampleRate: number;
}

/** `name:key=value,...` of a spec (for messages and the store's record). */
export function specText(s: BackboneSpec): string {
  const o = s.options ?? {};
  const kv = Object.keys(o).sort().map((k) =>
    `${k}=${typeof o[k] === "string" ? o[k] : JSON.stringify(o[k])}`
  );
  return kv.length ? `${s.name}:${kv.join(",")}` : s.name;
}

/** Options that change how fast, not what, a backbone computes: left out of the model identity. */
const RUNTIME_OPTIONS = new Set(["ep", "threads", "batchSize", "cacheDir"]);

/**
 * Creates the backbone through `registry` and derives its {@link ModelId}: the model file's sha256
 * when the backbone reports one (`info().modelSha256`, onnx-speaker), else the sha256 of its name,
 * resolved config and code hash; the front end from `info()` (front end, fbank / mel options,
 * chunking) or else the resolved config, plus the sample rate.
 */
export async function openBackbone(
  registry: Registry,
  spec: BackboneSpec,
  sampleRate = DEFAULT_SAMPLE_RATE,
): Promise<OpenBackbone> {
  const backbone = await registry.create("backbone", spec.name, spec.options ?? {});
  if (backbone.modality !== "audio") {
    throw new InputError(
      spec.name,
      `backbone '${spec.name}' embeds ${backbone.modality}; speakers need audio`,
    );
  }
  const info = backbone.info();
  const config = Object.fromEntries(
    Object.entries(registry.resolveConfig("backbone", spec.name, spec.options ?? {}))
      .filter(([k]) => !RUNTIME_OPTIONS.has(k)),
  );
  const frontKeys = ["frontend", "fbank", "nemoMel", "chunkSeconds", "overlapSeconds"].filter((k) =>
    k in info
  );
  const frontend = canonicalJson({
    sampleRate,
    ...(frontKeys.length ? Object.fromEntries(frontKeys.map((k) => [k, info[k]])) : { config }),
  });
  const sha256 = typeof info.modelSha256 === "string" ? info.modelSha256 : await sha256Text(
    `${spec.name} ${canonicalJson(config)} ${await registry.codeHash("backbone", spec.name)}`,
  );
  return { backbone, model: { sha256, frontend, dim: backbone.dim, backbone: specText(spec) }, sampleRate };
}

/** One embedded audio file. */
export interface EmbeddedFile {
  readonly path: string;
  /** sha256 of the file's bytes. */
  readonly audioSha256: string;
  readonly seconds: number;
  readonly embedding: Float32Array;
}

/** An audio file's bytes and their sha256 (read before embedding, so known rows can be skipped). */
export interface AudioBytes {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

/** Reads a file and hashes its bytes; the error names the file and the fix. */
export async function readAudioBytes(path: string): Promise<AudioBytes> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new InputError(path, `cannot read the audio file (${(e as Error).message}); check the path`);
  }
  return { path, bytes, sha256: await sha256Hex(bytes) };
}

/**
 * THE embedding call of the speaker registry (to become the shared `embed` stage): decodes each file
 * with core/audio/read.ts at the backbone's rate and embeds them all in one backbone call.
 */
export async function embedAudio(ob: OpenBackbone, files: readonly AudioBytes[]): Promise<EmbeddedFile[]> {
  const decoded = await Promise.all(files.map(async (f) => {
    const a = await decodeAudio(f.bytes, f.path, { sampleRate: ob.sampleRate });
    if (!a.samples.length) {
      throw new InputError(f.path, "the audio is empty (no samples); give a recording with speech");
    }
    return a.samples;
  }));
  const embs = await ob.backbone.embed(
    files.map((f, i) => ({ id: f.path, samples: decoded[i], sampleRate: ob.sampleRate })),
  );
  return files.map((f, i) => ({
    path: f.path,
    audioSha256: f.sha256,
    seconds: decoded[i].length / ob.sampleRate,
    embedding: embs[i],
  }));
}

/** Reads, hashes and embeds files in batches (progress on stderr); errors name the file and the fix. */
export async function embedFiles(
  ob: OpenBackbone,
  paths: readonly string[],
  opts: { batch?: number; label?: string } = {},
): Promise<EmbeddedFile[]> {
  const batch = opts.batch ?? 8, out: EmbeddedFile[] = [];
  const bar = new Progress(opts.label ?? "embed", paths.length);
  for (let i = 0; i < paths.length; i += batch) {
    const part = await Promise.all(paths.slice(i, i + batch).map(readAudioBytes));
    out.push(...await embedAudio(ob, part));
    bar.tick(part.length);
  }
  bar.done();
  return out;
}
