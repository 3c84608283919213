/**
 * Option declarations: each option of a plugin or a pipeline is declared once — its type, default,
 * bounds and one line of help — and everything else is derived from that one place: the defaults,
 * the help shown by `embedkit plugins` and `--help`, the validation, and the parsing of CLI text.
 * The style is sherpa-onnx's `*-config.h` (name, default, bounds, help declared together; `Validate()`
 * explains itself) with nested per-stage sections (`{ segmentation, embedding, clustering }`).
 *
 * ```ts
 * const schema = {
 *   window: opt.number(1.5, "window length (s)", { gt: 0 }),
 *   linkage: opt.oneOf(["average", "ward"] as const, "average", "AHC linkage"),
 * };
 * type Config = ConfigOf<typeof schema>; // { window: number; linkage: "average" | "ward" }
 * const cfg = resolveConfig("my stage", schema, { window: 2 }); // defaults + validation
 * ```
 * @module
 */
import { closest } from "./config.ts";
import { ConfigError } from "./errors.ts";

/** The value types an option can declare. */
export type OptionType =
  | "number"
  | "integer"
  | "boolean"
  | "string"
  | "enum"
  | "numbers"
  | "strings"
  | "json";

/** Numeric bounds; `min`/`max` are inclusive, `gt`/`lt` exclusive. */
export interface Bounds {
  /** Smallest allowed value (inclusive). */
  readonly min?: number;
  /** Largest allowed value (inclusive). */
  readonly max?: number;
  /** Values must be greater than this. */
  readonly gt?: number;
  /** Values must be less than this. */
  readonly lt?: number;
}

/** One declared option. `T` is the type of its value. */
export interface OptionDecl<T = unknown> extends Bounds {
  /** The value type. */
  readonly type: OptionType;
  /** The default value (used when the option is not given). */
  readonly default: T;
  /** One line of help. */
  readonly help: string;
  /** The allowed values of an `enum` option. */
  readonly values?: readonly string[];
  /** `null` is allowed (meaning "unset"; the help says what unset means). */
  readonly nullable?: boolean;
  /** Fewest items of a list option. */
  readonly minItems?: number;
  /** Custom check: returns what is wrong with `v` (and what is allowed), or undefined when fine. */
  check?(v: T): string | undefined;
}

/** A flat set of declared options. */
// deno-lint-ignore no-explicit-any
export type OptionsSchema = { readonly [name: string]: OptionDecl<any> };

/** A nested config schema: options and named sections of options (sherpa-onnx style). */
export type ConfigSchema = { readonly [name: string]: OptionDecl<unknown> | ConfigSchema };

/** The config object a schema describes. */
export type ConfigOf<S> = {
  -readonly [K in keyof S]: S[K] extends OptionDecl<infer T> ? T : ConfigOf<S[K]>;
};

/**
 * The schema type of a config interface: how a public recipe declares its options with an explicit type
 * (JSR needs explicit types on exported values); the compiler keeps the two in step.
 */
export type SchemaOf<C> = { readonly [K in keyof C]-?: OptionDecl<C[K]> };

/** Partial user options for a schema (nested sections partial too). */
export type OptionsOf<S> = {
  [K in keyof S]?: S[K] extends OptionDecl<infer T> ? T : OptionsOf<S[K]>;
};

/** Extra settings of a number option: nullability and a custom check. */
export interface NumberExtras extends Bounds {
  /** Allow `null` (unset). */
  readonly nullable?: boolean;
  /** Custom check (see {@link OptionDecl.check}). */
  check?(v: number): string | undefined;
}

/** Builders for option declarations. */
export interface OptionBuilders {
  /** A finite number within bounds. */
  number(def: number, help: string, b?: NumberExtras): OptionDecl<number>;
  /** A finite number within bounds, or null (unset). */
  number(def: number | null, help: string, b: NumberExtras & { nullable: true }): OptionDecl<number | null>;
  /** An integer within bounds. */
  integer(def: number, help: string, b?: NumberExtras): OptionDecl<number>;
  /** An integer within bounds, or null (unset). */
  integer(def: number | null, help: string, b: NumberExtras & { nullable: true }): OptionDecl<number | null>;
  /** true or false. */
  boolean(def: boolean, help: string): OptionDecl<boolean>;
  /** Any string (optionally checked). */
  string(def: string, help: string, check?: (v: string) => string | undefined): OptionDecl<string>;
  /** One of a fixed set of strings. */
  oneOf<const V extends string>(values: readonly V[], def: V, help: string): OptionDecl<V>;
  /** A list of numbers, each within bounds. */
  numbers(
    def: readonly number[],
    help: string,
    b?: Bounds & { integer?: boolean; minItems?: number },
  ): OptionDecl<number[]>;
  /** A list of strings. */
  strings(def: readonly string[], help: string, b?: { minItems?: number }): OptionDecl<string[]>;
  /** Any JSON value (records, nested lists); give a check that explains what is allowed. */
  json<T>(def: T, help: string, check?: (v: T) => string | undefined): OptionDecl<T>;
}

function numberDecl(
  type: "number" | "integer",
  def: number | null,
  help: string,
  b: NumberExtras = {},
): OptionDecl<number | null> {
  const { check, ...rest } = b;
  return { type, default: def, help, ...rest, ...(check ? { check } : {}) } as OptionDecl<number | null>;
}

/** Option declaration builders: `opt.number(1.5, "window (s)", { gt: 0 })`. */
export const opt: OptionBuilders = {
  number:
    ((def: number | null, help: string, b?: NumberExtras) =>
      numberDecl("number", def, help, b)) as OptionBuilders["number"],
  integer:
    ((def: number | null, help: string, b?: NumberExtras) =>
      numberDecl("integer", def, help, b)) as OptionBuilders["integer"],
  boolean: (def, help) => ({ type: "boolean", default: def, help }),
  string: (def, help, check) => ({ type: "string", default: def, help, ...(check ? { check } : {}) }),
  oneOf: (values, def, help) => ({ type: "enum", values, default: def, help }),
  numbers: (def, help, b = {}) => {
    const { integer, ...rest } = b;
    return { type: "numbers", default: [...def], help, ...rest, ...(integer ? { values: ["integer"] } : {}) };
  },
  strings: (def, help, b = {}) => ({ type: "strings", default: [...def], help, ...b }),
  json: (def, help, check) => ({ type: "json", default: def, help, ...(check ? { check } : {}) }),
};

/** True for an option declaration (as opposed to a nested section). */
export function isOptionDecl(v: unknown): v is OptionDecl {
  return !!v && typeof v === "object" && typeof (v as OptionDecl).type === "string" &&
    typeof (v as OptionDecl).help === "string" && "default" in (v as object);
}

function boundsText(d: Bounds): string {
  if (d.gt !== undefined && d.lt !== undefined && d.min === undefined && d.max === undefined) {
    return `in (${d.gt}, ${d.lt})`; // an open interval, as "(0, 1)" is written for priors
  }
  const parts: string[] = [];
  if (d.gt !== undefined) parts.push(`> ${d.gt}`);
  if (d.min !== undefined) parts.push(`>= ${d.min}`);
  if (d.lt !== undefined) parts.push(`< ${d.lt}`);
  if (d.max !== undefined) parts.push(`<= ${d.max}`);
  return parts.join(" and ");
}

/** A number's bounds in the words embedkit's messages use ("a positive number", "in [0, 1]", ">= 0"). */
function numberText(d: Bounds): string {
  const { min, max, gt, lt } = d;
  if (gt === 0 && min === undefined && max === undefined && lt === undefined) return "a positive number";
  if (min !== undefined && max !== undefined && gt === undefined && lt === undefined) {
    return `in [${min}, ${max}]`;
  }
  const b = boundsText(d);
  return b ? (min !== undefined && !b.includes("and") ? b : `a number ${b}`) : "a finite number";
}

/** What values an option allows, in words ("an integer in [1, Infinity]", "one of cosine, euclidean"). */
export function allowedText(d: OptionDecl): string {
  const lo = d.gt !== undefined ? Math.floor(d.gt) + 1 : d.min ?? -Infinity;
  const hi = d.lt !== undefined ? Math.ceil(d.lt) - 1 : d.max ?? Infinity;
  let s: string;
  switch (d.type) {
    case "number":
      s = numberText(d);
      break;
    case "integer":
      s = `an integer in [${lo}, ${hi}]`;
      break;
    case "boolean":
      s = "one of true, false";
      break;
    case "string":
      s = "a string";
      break;
    case "enum":
      s = `one of ${(d.values ?? []).join(", ")}`;
      break;
    case "numbers": {
      const b = boundsText(d);
      s = `a list of ${d.values?.includes("integer") ? "integers" : "numbers"}${b ? ` ${b}` : ""}${
        d.minItems ? ` (at least ${d.minItems})` : ""
      }`;
      break;
    }
    case "strings":
      s = `a list of strings${d.minItems ? ` (at least ${d.minItems})` : ""}`;
      break;
    default:
      s = "a JSON value";
  }
  return d.nullable ? `${s}, or null` : s;
}

function inBounds(d: Bounds, v: number): boolean {
  return (d.min === undefined || v >= d.min) && (d.max === undefined || v <= d.max) &&
    (d.gt === undefined || v > d.gt) && (d.lt === undefined || v < d.lt);
}

function shown(v: unknown): string {
  if (typeof v === "string") return `'${v}'`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** What is wrong with value `v` for declaration `d`, or undefined when it is allowed. */
export function optionProblem(d: OptionDecl, v: unknown): string | undefined {
  if (v === null && d.nullable) return undefined;
  let ok: boolean;
  switch (d.type) {
    case "number":
      ok = typeof v === "number" && Number.isFinite(v) && inBounds(d, v);
      break;
    case "integer":
      ok = typeof v === "number" && Number.isInteger(v) && inBounds(d, v);
      break;
    case "boolean":
      ok = typeof v === "boolean";
      break;
    case "string":
      ok = typeof v === "string";
      break;
    case "enum":
      ok = typeof v === "string" && (d.values ?? []).includes(v);
      break;
    case "numbers":
      ok = Array.isArray(v) && v.length >= (d.minItems ?? 0) &&
        v.every((x) =>
          typeof x === "number" && Number.isFinite(x) && inBounds(d, x) &&
          (!d.values?.includes("integer") || Number.isInteger(x))
        );
      break;
    case "strings":
      ok = Array.isArray(v) && v.length >= (d.minItems ?? 0) && v.every((x) => typeof x === "string");
      break;
    default:
      ok = v !== undefined;
  }
  if (!ok) return `must be ${allowedText(d)}, got ${shown(v)}`;
  return d.check?.(v);
}

/** Throws a ConfigError naming the component, the option, what is allowed and the value given. */
export function checkOption(component: string, name: string, d: OptionDecl, v: unknown): void {
  const problem = optionProblem(d, v);
  if (problem) throw new ConfigError(component, `'${name}' ${problem}`);
}

/** The defaults of a schema (nested sections included); list defaults are copied. */
export function defaultsOf<S extends ConfigSchema | OptionsSchema>(schema: S): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(schema)) {
    out[k] = isOptionDecl(d)
      ? Array.isArray(d.default) ? [...d.default] : d.default
      : defaultsOf(d as ConfigSchema);
  }
  return out as ConfigOf<S>;
}

/** One line of help per option, with the allowed values and the default appended. */
export function helpOf(schema: OptionsSchema): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, d] of Object.entries(schema)) out[k] = `${d.help} [${allowedText(d)}]`;
  return out;
}

/**
 * Merges user options over the schema's defaults (nested sections merged key by key), refusing
 * unknown names with a did-you-mean, then validates every value. Returns the full config.
 */
export function resolveConfig<S extends ConfigSchema | OptionsSchema>(
  component: string,
  schema: S,
  user: OptionsOf<S> | Record<string, unknown> = {},
  path = "",
): ConfigOf<S> {
  const known = Object.keys(schema);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(user ?? {})) {
    if (!known.includes(k) && (user as Record<string, unknown>)[k] !== undefined) {
      const hint = closest(k, known);
      throw new ConfigError(
        component,
        `unknown option '${path}${k}'${hint ? `; did you mean '${path}${hint}'?` : ""} known options: ${
          known.map((n) => path + n).join(", ") || "(none)"
        }`,
      );
    }
  }
  for (const [k, d] of Object.entries(schema)) {
    const given = (user as Record<string, unknown>)?.[k];
    if (isOptionDecl(d)) {
      const v = given === undefined ? (Array.isArray(d.default) ? [...d.default] : d.default) : given;
      checkOption(component, path + k, d, v);
      out[k] = v;
    } else {
      if (given !== undefined && (typeof given !== "object" || given === null || Array.isArray(given))) {
        throw new ConfigError(
          component,
          `'${path}${k}' is a section of options; give an object, got ${shown(given)}`,
        );
      }
      out[k] = resolveConfig(
        component,
        d as ConfigSchema,
        (given ?? {}) as Record<string, unknown>,
        `${path}${k}.`,
      );
    }
  }
  return out as ConfigOf<S>;
}

/** Validates a full config against a schema (every option present and allowed). */
export function validateConfig(
  component: string,
  schema: ConfigSchema | OptionsSchema,
  cfg: unknown,
  path = "",
): void {
  if (!cfg || typeof cfg !== "object") throw new ConfigError(component, "config must be an object");
  const c = cfg as Record<string, unknown>;
  for (const [k, d] of Object.entries(schema)) {
    if (isOptionDecl(d)) checkOption(component, path + k, d, c[k]);
    else validateConfig(component, d as ConfigSchema, c[k], `${path}${k}.`);
  }
  const extra = Object.keys(c).filter((k) => !(k in schema));
  if (extra.length) {
    const hint = closest(extra[0], Object.keys(schema));
    throw new ConfigError(
      component,
      `unknown option '${path}${extra[0]}'${hint ? `; did you mean '${path}${hint}'?` : ""}`,
    );
  }
}

/**
 * Parses command-line text for a declared option: numbers and integers (bounds checked), booleans
 * (`true`/`false`), comma-separated lists, JSON for `json` options; errors name `--flag` and the range.
 */
export function parseOptionText(flag: string, d: OptionDecl, text: string): unknown {
  const fail = (why: string): never => {
    throw new ConfigError(flag, why);
  };
  const t = text.trim();
  if (d.nullable && (t === "null" || t === "")) return null;
  let v: unknown;
  switch (d.type) {
    case "number":
    case "integer":
      v = t === "" ? NaN : Number(t);
      break;
    case "boolean":
      v = t === "true" ? true : t === "false" ? false : fail(`must be true or false, got '${text}'`);
      break;
    case "numbers":
      v = t === "" ? [] : t.split(",").map((s) => (s.trim() === "" ? NaN : Number(s)));
      break;
    case "strings":
      v = t === "" ? [] : t.split(",").map((s) => s.trim());
      break;
    case "json":
      try {
        v = JSON.parse(t);
      } catch {
        v = t;
      }
      break;
    default:
      v = text;
  }
  const problem = optionProblem(d, v);
  if (problem) fail(problem.replace(/, got .*$/, `, got '${text}'`));
  return v;
}

/**
 * A schema for a legacy plugin that declares only `defaults` and help strings: every option is a
 * `json` option (anything parses, nothing is refused here), since such plugins validate themselves.
 */
export function schemaFromDefaults(
  defaults: Record<string, unknown>,
  help: Record<string, string>,
): OptionsSchema {
  const out: Record<string, OptionDecl> = {};
  for (const [k, v] of Object.entries(defaults)) out[k] = { type: "json", default: v, help: help[k] ?? "" };
  return out;
}
