/**
 * Contract checks for plugin definitions and instances, and output guards that report a misbehaving
 * plugin by name instead of letting NaN or wrong shapes flow into a run's outputs.
 * @module
 */
import { PLUGIN_KINDS, type PluginDefinition, type PluginKind } from "./contracts/base.ts";
import { PluginError } from "./errors.ts";
import { firstNonFinite } from "./matrix.ts";
import type { Matrix } from "./matrix.ts";

const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;

/** Throws a PluginError listing every way `def` fails the plugin contract. */
export function checkDefinition(def: unknown, source = "module"): asserts def is PluginDefinition {
  const d = def as Record<string, unknown> | null;
  const name = typeof d?.name === "string" ? d.name : "?";
  const kind = typeof d?.kind === "string" ? d.kind : "?";
  const problems: string[] = [];
  if (!d || typeof d !== "object") {
    throw new PluginError(kind, name, `${source} does not export a plugin object`);
  }
  if (!PLUGIN_KINDS.includes(d.kind as PluginKind)) {
    problems.push(`'kind' must be one of ${PLUGIN_KINDS.join(", ")} (got ${JSON.stringify(d.kind)})`);
  }
  if (typeof d.name !== "string" || !NAME_RE.test(d.name)) {
    problems.push(
      `'name' must be lower-case letters, digits, '.', '_' or '-' (got ${JSON.stringify(d.name)})`,
    );
  }
  if (typeof d.description !== "string" || !d.description) {
    problems.push("'description' must be a non-empty string");
  }
  if (!d.defaults || typeof d.defaults !== "object") {
    problems.push("'defaults' must be an object of option defaults");
  }
  if (!d.options || typeof d.options !== "object") problems.push("'options' must document every option");
  else if (d.defaults && typeof d.defaults === "object") {
    const undocumented = Object.keys(d.defaults).filter((k) => !(k in (d.options as object)));
    if (undocumented.length) problems.push(`options without help text: ${undocumented.join(", ")}`);
  }
  if (typeof d.validate !== "function") problems.push("'validate(config)' must be a function");
  if (typeof d.create !== "function") problems.push("'create(config)' must be a function");
  if (problems.length) {
    throw new PluginError(
      kind,
      name,
      `from ${source} does not satisfy the plugin contract:\n  - ${problems.join("\n  - ")}`,
    );
  }
  try {
    (d.validate as (c: unknown) => void)({ ...(d.defaults as object) });
  } catch (e) {
    throw new PluginError(kind, name, `its own defaults fail its validate(): ${(e as Error).message}`);
  }
}

/** Methods each kind's instance must have (checked before first use). */
const REQUIRED_METHODS: Record<PluginKind, (inst: Record<string, unknown>) => string[]> = {
  backbone: (i) => [
    ...(typeof i.dim === "number" && i.dim > 0 ? [] : ["'dim' must be a positive number"]),
    ...(i.modality === "audio" || i.modality === "text" ? [] : ["'modality' must be 'audio' or 'text'"]),
    ...fn(i, "embed", "info"),
  ],
  loss: (i) => fn(i, "forward", "parameters"),
  clusterer: (i) => fn(i, "cluster"),
  adapter: (i) => fn(i, "fit", "transform"),
  scorer: (i) => {
    const role = i.role;
    const need: Record<string, string[]> = {
      score: ["score"],
      normalize: ["normalize"],
      calibrate: ["fit", "apply"],
      metric: ["compute"],
    };
    if (typeof role !== "string" || !(role in need)) {
      return [`'role' must be one of ${Object.keys(need).join(", ")} (got ${JSON.stringify(role)})`];
    }
    return fn(i, ...need[role]);
  },
};

function fn(i: Record<string, unknown>, ...names: string[]): string[] {
  return names.filter((n) => typeof i[n] !== "function").map((n) => `'${n}()' must be a function`);
}

/** Checks an instance against its kind's contract, then wraps its outputs in guards. */
export function guardInstance<T>(kind: PluginKind, name: string, inst: T): T {
  if (!inst || typeof inst !== "object") {
    throw new PluginError(kind, name, "create() returned no object");
  }
  const problems = REQUIRED_METHODS[kind](inst as Record<string, unknown>);
  if (problems.length) {
    throw new PluginError(
      kind,
      name,
      `instance does not satisfy the ${kind} contract:\n  - ${problems.join("\n  - ")}`,
    );
  }
  const checks = OUTPUT_CHECKS[kind];
  return new Proxy(inst as object, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      // Unchecked methods run on the real instance so classes with #private fields keep working.
      if (typeof prop !== "string" || !(prop in checks)) return v.bind(target);
      const check = checks[prop];
      return function (this: unknown, ...args: unknown[]) {
        let out: unknown;
        try {
          out = v.apply(target, args);
        } catch (e) {
          throw wrap(kind, name, prop, e);
        }
        if (out instanceof Promise) {
          return out.then(
            (r) => (check(r, args, target as Record<string, unknown>, kind, name), r),
            (e) => {
              throw wrap(kind, name, prop, e);
            },
          );
        }
        check(out, args, target as Record<string, unknown>, kind, name);
        return out;
      };
    },
  }) as T;
}

function wrap(kind: string, name: string, method: string, e: unknown): Error {
  if (e instanceof PluginError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new PluginError(kind, name, `${method}() failed: ${msg}`, { cause: e });
}

type OutputCheck = (
  out: unknown,
  args: unknown[],
  inst: Record<string, unknown>,
  kind: string,
  name: string,
) => void;

function bad(kind: string, name: string, method: string, what: string): never {
  throw new PluginError(kind, name, `${method}() returned malformed output: ${what}`);
}

function finiteArray(kind: string, name: string, method: string, a: unknown, len?: number): void {
  if (!(a instanceof Float32Array || a instanceof Float64Array)) {
    bad(kind, name, method, "expected a Float32Array");
  }
  if (len !== undefined && a.length !== len) bad(kind, name, method, `length ${a.length}, expected ${len}`);
  const i = firstNonFinite(a);
  if (i >= 0) bad(kind, name, method, `non-finite value ${a[i]} at index ${i}`);
}

const OUTPUT_CHECKS: Record<PluginKind, Record<string, OutputCheck>> = {
  backbone: {
    embed(out, args, inst, kind, name) {
      const inputs = args[0] as unknown[];
      if (!Array.isArray(out)) bad(kind, name, "embed", "expected an array of embeddings");
      if (out.length !== inputs.length) {
        bad(kind, name, "embed", `${out.length} embeddings for ${inputs.length} inputs`);
      }
      out.forEach((e) => finiteArray(kind, name, "embed", e, inst.dim as number));
    },
  },
  loss: {
    forward(out, _args, _inst, kind, name) {
      const t = out as { data?: unknown; shape?: unknown };
      if (!t || !(t.data instanceof Float32Array)) bad(kind, name, "forward", "expected a Tensor");
      if (t.data.length !== 1) {
        bad(kind, name, "forward", `expected a scalar loss, got ${t.data.length} values`);
      }
      if (!Number.isFinite(t.data[0])) bad(kind, name, "forward", `non-finite loss ${t.data[0]}`);
    },
  },
  clusterer: {
    cluster(out, args, _inst, kind, name) {
      const x = args[0] as Matrix;
      const r = out as { labels?: unknown; numClusters?: unknown };
      if (!r || !(r.labels instanceof Int32Array)) {
        bad(kind, name, "cluster", "expected { labels: Int32Array }");
      }
      if (r.labels.length !== x.rows) {
        bad(kind, name, "cluster", `${r.labels.length} labels for ${x.rows} rows`);
      }
      const k = r.numClusters as number;
      if (!Number.isInteger(k) || k < 0) bad(kind, name, "cluster", `numClusters ${k} is not a count`);
      for (const l of r.labels) {
        if (l < 0 || l >= k) bad(kind, name, "cluster", `label ${l} outside 0..${k - 1}`);
      }
    },
  },
  adapter: {
    transform(out, args, _inst, kind, name) {
      const x = args[0] as Matrix;
      const m = out as Matrix;
      if (!m || !(m.data instanceof Float32Array)) bad(kind, name, "transform", "expected a Matrix");
      if (m.rows !== x.rows) bad(kind, name, "transform", `${m.rows} rows for ${x.rows} inputs`);
      finiteArray(kind, name, "transform", m.data, m.rows * m.cols);
    },
  },
  scorer: {
    score(out, args, _inst, kind, name) {
      finiteArray(kind, name, "score", out, (args[2] as { enroll: Int32Array }).enroll.length);
    },
    normalize(out, args, _inst, kind, name) {
      finiteArray(kind, name, "normalize", out, (args[0] as Float32Array).length);
    },
    apply(out, args, _inst, kind, name) {
      const systems = args[0] as Float32Array[];
      finiteArray(kind, name, "apply", out, systems[0]?.length ?? 0);
    },
    compute(out, _args, _inst, kind, name) {
      if (!out || typeof out !== "object") bad(kind, name, "compute", "expected a record of numbers");
      for (const [k, v] of Object.entries(out)) {
        if (typeof v !== "number") bad(kind, name, "compute", `'${k}' is not a number`);
      }
    },
  },
};
