/**
 * The stage runner (WeSpeaker-recipe style): a pipeline is a readable sequence of named stages. Each
 * stage's output is cached in a work directory under a key hashed from the stage name, its config,
 * the seed, the fingerprints of the files it reads and the keys of the upstream stages it consumes, so
 * a re-run resumes from the first stage whose inputs changed. Outputs are written atomically; progress
 * goes to stderr.
 *
 * ```ts
 * const p = new Pipeline({ name: "verify", workDir: "out/verify/work", seed: 7 });
 * const data = await p.stage("data", { config: { dir }, files: [dir] }, () => loadData(dir));
 * const emb = await p.stage("embed", { config: { backbone }, inputs: [data] }, (ctx) => embed(data, ctx));
 * ```
 * @module
 */
import { writeFileAtomic } from "../../atomic.ts";
import { fnv1a, sha256Text } from "../../hash.ts";
import { status } from "../../progress.ts";
import { Rng } from "../../random.ts";
import { join } from "../../paths.ts";
import { decodeValue, encodeValue, stableStringify } from "./codec.ts";

/** Options of a {@link Pipeline}. */
export interface PipelineOptions {
  /** Pipeline name (shown in progress lines and recorded in every cached output). */
  readonly name: string;
  /** Where stage outputs are cached; without it nothing is cached (everything runs in memory). */
  readonly workDir?: string;
  /** Reuse cached outputs whose key matches (default true). */
  readonly resume?: boolean;
  /** Stage names to recompute even when cached, or true for all. */
  readonly force?: boolean | readonly string[];
  /** Master seed: every stage gets its own seed derived from it (recorded with the output). */
  readonly seed?: number;
  /** No progress lines on stderr. */
  readonly quiet?: boolean;
}

/** What a stage consumes; all of it goes into the cache key. */
export interface StageSpec {
  /** The stage's own settings (plugin names and options, thresholds...). */
  readonly config?: unknown;
  /** Outputs of earlier stages this stage reads (their cache keys go into this key). */
  readonly inputs?: readonly unknown[];
  /** Files or folders the stage reads: their size and modification time go into the key. */
  readonly files?: readonly string[];
  /** Never cache this stage (e.g. it returns live objects such as a loaded model). */
  readonly noCache?: boolean;
}

/** Handed to a stage's function. */
export interface StageContext {
  /** The stage name. */
  readonly name: string;
  /** This stage's seed (derived from the pipeline seed and the stage name). */
  readonly seed: number;
  /** A fresh generator seeded with {@link seed}. */
  rng(): Rng;
  /** Writes one line to stderr, prefixed with the pipeline and stage. */
  log(msg: string): void;
  /**
   * A folder for this stage's in-progress state (training checkpoints), named by the stage's cache
   * key: a killed run finds it again and resumes; it is removed once the stage's output is cached.
   * Undefined when nothing is cached (no work dir).
   */
  readonly partialDir?: string;
}

/** One line of the run record. */
export interface StageRecord {
  readonly stage: string;
  readonly key: string;
  readonly seed: number;
  readonly cached: boolean;
  readonly seconds: number;
  readonly file?: string;
}

interface CachedOutput {
  pipeline: string;
  stage: string;
  key: string;
  seed: number;
  config: unknown;
  createdAt: string;
  seconds: number;
  value: unknown;
}

/** Size and modification time of a file, or of every file under a folder (sorted). */
export async function fingerprint(path: string): Promise<unknown> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch {
    return { path, missing: true };
  }
  if (st.isFile) return { path, size: st.size, mtime: st.mtime?.getTime() ?? 0 };
  const parts: unknown[] = [];
  const entries: string[] = [];
  for await (const e of Deno.readDir(path)) entries.push(e.name);
  entries.sort();
  for (const name of entries) parts.push(await fingerprint(join(path, name)));
  return { path, dir: parts };
}

/** A pipeline run: call {@link stage} once per stage, in order. */
export class Pipeline {
  readonly name: string;
  readonly seed: number;
  readonly #opts: PipelineOptions;
  readonly #keys = new WeakMap<object, string>();
  readonly #records: StageRecord[] = [];
  #index = 0;

  constructor(opts: PipelineOptions) {
    this.#opts = opts;
    this.name = opts.name;
    this.seed = opts.seed ?? 0;
  }

  /** The work directory (undefined = no caching). */
  get workDir(): string | undefined {
    return this.#opts.workDir;
  }

  /** What ran, what came from the cache, and how long each stage took. */
  records(): StageRecord[] {
    return [...this.#records];
  }

  /** The cache key of an earlier stage's output, if it came from this pipeline. */
  keyOf(output: unknown): string | undefined {
    return output && typeof output === "object" ? this.#keys.get(output) : undefined;
  }

  /** Runs (or resumes) one stage and returns its output. */
  async stage<T>(name: string, spec: StageSpec, fn: (ctx: StageContext) => T | Promise<T>): Promise<T> {
    const index = ++this.#index;
    const seed = (this.seed ^ fnv1a(name)) >>> 0;
    const inputs = (spec.inputs ?? []).map((v) => this.keyOf(v) ?? { value: v });
    const files = await Promise.all((spec.files ?? []).map(fingerprint));
    const key =
      (await sha256Text(stableStringify({ name, config: spec.config ?? null, seed, inputs, files }))).slice(
        0,
        16,
      );
    const stem = this.#opts.workDir && !spec.noCache
      ? join(this.#opts.workDir, `${String(index).padStart(2, "0")}-${name}.${key}`)
      : undefined;
    const file = stem && `${stem}.json`;
    const ctx: StageContext = {
      name,
      seed,
      rng: () => new Rng(seed),
      log: (msg) => this.#log(`${name}: ${msg}`),
      ...(stem ? { partialDir: `${stem}.partial` } : {}),
    };
    const forced = this.#opts.force === true ||
      (Array.isArray(this.#opts.force) && this.#opts.force.includes(name));
    if (file && this.#opts.resume !== false && !forced) {
      const hit = await this.#read(file, key);
      if (hit) {
        this.#log(`stage ${index} ${name}: cached (${file})`);
        this.#records.push({ stage: name, key, seed, cached: true, seconds: 0, file });
        this.#remember(hit.value, key);
        return hit.value as T;
      }
    }
    this.#log(`stage ${index} ${name}: running`);
    const t0 = performance.now();
    const value = await fn(ctx);
    const seconds = (performance.now() - t0) / 1000;
    if (file) {
      const rec: CachedOutput = {
        pipeline: this.name,
        stage: name,
        key,
        seed,
        config: spec.config ?? null,
        createdAt: new Date().toISOString(),
        seconds,
        value,
      };
      await writeFileAtomic(file, encodeValue(rec));
      if (ctx.partialDir) await Deno.remove(ctx.partialDir, { recursive: true }).catch(() => {});
    }
    this.#log(`stage ${index} ${name}: done in ${seconds.toFixed(1)} s`);
    this.#records.push({ stage: name, key, seed, cached: false, seconds, file });
    this.#remember(value, key);
    return value;
  }

  /** Remembers an output's key, and derived keys for its direct object-valued fields (`emb.x`). */
  #remember(value: unknown, key: string): void {
    if (!value || typeof value !== "object") return;
    this.#keys.set(value, key);
    if (Array.isArray(value) || ArrayBuffer.isView(value)) return;
    for (const [k, v] of Object.entries(value)) {
      if (v && typeof v === "object" && !this.#keys.has(v)) this.#keys.set(v, `${key}/${k}`);
    }
  }

  async #read(file: string, key: string): Promise<CachedOutput | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch {
      return undefined;
    }
    try {
      const rec = decodeValue<CachedOutput>(text);
      return rec.key === key ? rec : undefined;
    } catch (e) {
      this.#log(`ignoring unreadable cache file ${file} (${(e as Error).message}); recomputing`);
      return undefined;
    }
  }

  #log(msg: string): void {
    if (!this.#opts.quiet) status(`[${this.name}] ${msg}`);
  }
}
