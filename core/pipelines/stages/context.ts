/**
 * What every stage gets: a {@link Run} (the registry every plugin comes from, the cached stage runner,
 * the seed) and plugin specs resolved for cache keys. A resolved plugin's key holds its full config
 * (defaults + options) and a hash of its code (core/registry.ts `codeHash`: the plugin's module and the
 * local modules it imports), so editing a plugin recomputes exactly the stages that used it.
 * @module
 */
import type { Slot, SlotInstance } from "../../contracts/slots.ts";
import { type Registry, registry as globalRegistry } from "../../registry.ts";
import { Pipeline, type StageRecord } from "./runner.ts";

/** A plugin by name with options, as pipelines take them (`{ name: "ahc", options: { threshold: 0.5 } }`). */
export interface PluginSpec {
  /** Registry name. */
  readonly name: string;
  /** Options over the plugin's defaults. */
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

/** Options every pipeline takes besides its own config. */
export interface RunOptions {
  /** Master seed (every stage derives its own; recorded in outputs). */
  readonly seed?: number;
  /** Where stage outputs are cached; without it everything runs in memory. */
  readonly workDir?: string;
  /** Reuse cached outputs (default true). */
  readonly resume?: boolean;
  /** The registry every plugin comes from (default: the global one). */
  readonly registry?: Registry;
  /** No progress lines on stderr. */
  readonly quiet?: boolean;
}

/** One pipeline run. */
export interface Run {
  /** Pipeline name (progress lines, records). */
  readonly name: string;
  /** The registry every plugin of this run comes from. */
  readonly registry: Registry;
  /** The cached, resumable stage runner. */
  readonly stages: Pipeline;
  /** The master seed. */
  readonly seed: number;
  /** No progress lines. */
  readonly quiet: boolean;
}

/** Starts a run; `seed` defaults to 1234 as in every recipe. */
export function openRun(name: string, opts: RunOptions = {}): Run {
  const seed = opts.seed ?? 1234;
  return {
    name,
    registry: opts.registry ?? globalRegistry,
    stages: new Pipeline({ name, workDir: opts.workDir, resume: opts.resume, seed, quiet: opts.quiet }),
    seed,
    quiet: !!opts.quiet,
  };
}

/** What ran and what came from the cache. */
export function records(run: Run): StageRecord[] {
  return run.stages.records();
}

/** A plugin resolved for a run: its full config and code hash (what a cache key needs). */
export interface Resolved<S extends Slot = Slot> {
  /** The slot it fills. */
  readonly slot: S;
  /** Registry name. */
  readonly name: string;
  /** Report label. */
  readonly label: string;
  /** The options given (the instance is created from these). */
  readonly options: Record<string, unknown>;
  /** Defaults + options, validated. */
  readonly config: Record<string, unknown>;
  /** Hash of the plugin's code (module + local imports + package version). */
  readonly code: string;
}

/**
 * Resolves a spec against the run's registry: a typo or a bad option fails here, before any work,
 * with the registry's did-you-mean and range messages.
 */
export async function resolve<S extends Slot>(
  run: Run,
  slot: S,
  s: string | PluginSpec,
): Promise<Resolved<S>> {
  const p = spec(s);
  const options = p.options ?? {};
  const config = run.registry.resolveConfig(slot, p.name, options);
  return {
    slot,
    name: p.name,
    label: labelOf(p),
    options,
    config,
    code: await run.registry.codeHash(slot, p.name),
  };
}

/** Resolves several specs of one slot. */
export function resolveAll<S extends Slot>(
  run: Run,
  slot: S,
  list: readonly (string | PluginSpec)[],
): Promise<Resolved<S>[]> {
  return Promise.all(list.map((s) => resolve(run, slot, s)));
}

/** The cache-key part of a resolved plugin: name, config, code (not the label). */
export function pluginKey(p: Resolved | undefined): unknown {
  return p ? { slot: p.slot, plugin: p.name, config: p.config, code: p.code } : null;
}

/** Creates the plugin's instance from the run's registry. */
export function create<S extends Slot>(run: Run, p: Resolved<S>): Promise<SlotInstance[S]> {
  return run.registry.create(p.slot, p.name, p.options);
}

/** Creates an instance, runs `fn` with it and disposes of it (also when `fn` throws). */
export async function using<S extends Slot, T>(
  run: Run,
  p: Resolved<S>,
  fn: (inst: SlotInstance[S]) => Promise<T>,
): Promise<T> {
  const inst = await create(run, p);
  try {
    return await fn(inst);
  } finally {
    await (inst as { dispose?: () => unknown }).dispose?.();
  }
}
