/**
 * Contract checks for plugin definitions and instances, and output guards that report a misbehaving
 * plugin by name instead of letting NaN or wrong shapes flow into a run's outputs.
 * @module
 */
import {
  PLUGIN_KINDS,
  PLUGIN_ROLES,
  type PluginDefinition,
  type PluginKind,
  type PluginRole,
} from "./contracts/base.ts";
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
  if (d.role !== undefined && PLUGIN_KINDS.includes(d.kind as PluginKind)) {
    const roles: readonly string[] = PLUGIN_ROLES[d.kind as PluginKind];
    if (!roles.includes(d.role as string)) {
      problems.push(
        `'role' of a ${d.kind} must be one of ${roles.join(", ")} (got ${JSON.stringify(d.role)})`,
      );
    }
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

/** What each role's instance must have (checked before first use). */
const REQUIRED: Record<PluginRole, (inst: Record<string, unknown>) => string[]> = {
  embed: (i) => [
    ...(typeof i.dim === "number" && (i.dim > 0 || (i.dim === 0 && typeof i.rank === "function"))
      ? []
      : ["'dim' must be a positive number (0 only for a ranking backbone with rank())"]),
    ...(i.modality === "audio" || i.modality === "text" ? [] : ["'modality' must be 'audio' or 'text'"]),
    ...fn(i, "embed", "info"),
  ],
  vad: (i) => fn(i, "detect", "info"),
  segmentation: (i) => [
    ...[
      "sampleRate",
      "chunkSeconds",
      "chunkSamples",
      "framesPerChunk",
      "numSpeakers",
      "maxSpeakersPerFrame",
      "frameStep",
      "frameDuration",
    ].filter((k) => !(typeof i[k] === "number" && (i[k] as number) > 0)).map((k) =>
      `'${k}' must be a positive number`
    ),
    ...fn(i, "segment", "info"),
  ],
  loss: (i) => fn(i, "forward", "parameters"),
  cluster: (i) => fn(i, "cluster"),
  transform: (i) => fn(i, "fit", "transform"),
  augment: (i) => [
    ...(i.domain === "waveform" || i.domain === "features"
      ? []
      : ["'domain' must be 'waveform' or 'features'"]),
    ...fn(i, i.domain === "features" ? "features" : "wave"),
  ],
  score: (i) => fn(i, "score"),
  normalize: (i) => fn(i, "normalize"),
  calibrate: (i) => fn(i, "fit", "apply"),
  metric: (i) => fn(i, "compute"),
};

/** The instance's problems against the contract of its role (scorers name theirs on the instance). */
function contractProblems(kind: PluginKind, inst: Record<string, unknown>, role?: PluginRole): string[] {
  const roles: readonly string[] = PLUGIN_ROLES[kind];
  const r = (role ?? inst.role ?? (kind === "scorer" ? undefined : roles[0])) as PluginRole | undefined;
  if (!r || !roles.includes(r)) {
    return [`'role' must be one of ${roles.join(", ")} (got ${JSON.stringify(inst.role)})`];
  }
  if (inst.role !== undefined && inst.role !== r) {
    return [`instance role '${inst.role}' differs from the plugin's role '${r}'`];
  }
  return REQUIRED[r](inst);
}

function fn(i: Record<string, unknown>, ...names: string[]): string[] {
  return names.filter((n) => typeof i[n] !== "function").map((n) => `'${n}()' must be a function`);
}

/** Checks an instance against its kind's (and role's) contract, then wraps its outputs in guards. */
export function guardInstance<T>(kind: PluginKind, name: string, inst: T, role?: PluginRole): T {
  if (!inst || typeof inst !== "object") {
    throw new PluginError(kind, name, "create() returned no object");
  }
  const problems = contractProblems(kind, inst as Record<string, unknown>, role);
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
    detect(out, _args, _inst, kind, name) {
      if (!Array.isArray(out)) bad(kind, name, "detect", "expected an array of { start, end } regions");
      let last = -Infinity;
      for (const r of out as { start: unknown; end: unknown }[]) {
        const { start, end } = r ?? {};
        if (typeof start !== "number" || typeof end !== "number" || !(start <= end) || start < last) {
          bad(
            kind,
            name,
            "detect",
            `regions must be sorted, disjoint { start <= end } (got ${JSON.stringify(r)})`,
          );
        }
        last = end;
      }
    },
    segment(out, args, inst, kind, name) {
      const chunks = args[0] as unknown[];
      if (!Array.isArray(out) || out.length !== chunks.length) {
        bad(kind, name, "segment", `expected one activity matrix per chunk (${chunks.length})`);
      }
      const k = inst.numSpeakers as number;
      out.forEach((a) => {
        finiteArray(kind, name, "segment", a);
        if ((a as Float32Array).length % k) {
          bad(kind, name, "segment", `length is not a multiple of ${k} speakers`);
        }
      });
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
    wave(out, _args, _inst, kind, name) {
      finiteArray(kind, name, "wave", out);
    },
    features(out, args, _inst, kind, name) {
      const x = args[0] as Matrix, m = out as Matrix;
      if (!m || !(m.data instanceof Float32Array) || m.rows !== x.rows || m.cols !== x.cols) {
        bad(kind, name, "features", `expected a ${x.rows}x${x.cols} Matrix`);
      }
      finiteArray(kind, name, "features", m.data, m.rows * m.cols);
    },
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
