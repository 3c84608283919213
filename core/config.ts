/**
 * Plain config objects with defaults and a validate() that explains itself (sherpa-onnx style).
 * @module
 */
import { ConfigError } from "./errors.ts";

/** Merges user options over defaults, refusing options the component does not know. */
export function withDefaults<C extends object>(component: string, defaults: C, user: Partial<C> = {}): C {
  const known = Object.keys(defaults);
  for (const k of Object.keys(user)) {
    if (!known.includes(k)) {
      const hint = closest(k, known);
      throw new ConfigError(
        component,
        `unknown option '${k}'${hint ? `; did you mean '${hint}'?` : ""} known options: ${
          known.join(", ") || "(none)"
        }`,
      );
    }
  }
  const out = { ...defaults } as C;
  for (const [k, v] of Object.entries(user)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Validation helpers (see {@link check}); each throws a ConfigError naming the component, the option and the allowed range. */
export interface Checks {
  /** v > 0 and finite. */
  positive(component: string, name: string, v: number): void;
  /** v >= 0 and finite. */
  nonNegative(component: string, name: string, v: number): void;
  /** Integer within [min, max]. */
  integer(component: string, name: string, v: number, min?: number, max?: number): void;
  /** Within [min, max]. */
  range(component: string, name: string, v: number, min: number, max: number): void;
  /** One of the allowed values. */
  oneOf<T>(component: string, name: string, v: T, allowed: readonly T[]): void;
}

/** Small validation helpers; each throws a ConfigError naming the option and the allowed range. */
export const check: Checks = {
  positive(component: string, name: string, v: number): void {
    if (!(typeof v === "number" && v > 0 && Number.isFinite(v))) {
      throw new ConfigError(component, `'${name}' must be a positive number, got ${v}`);
    }
  },
  nonNegative(component: string, name: string, v: number): void {
    if (!(typeof v === "number" && v >= 0 && Number.isFinite(v))) {
      throw new ConfigError(component, `'${name}' must be >= 0, got ${v}`);
    }
  },
  integer(component: string, name: string, v: number, min = -Infinity, max = Infinity): void {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(component, `'${name}' must be an integer in [${min}, ${max}], got ${v}`);
    }
  },
  range(component: string, name: string, v: number, min: number, max: number): void {
    if (!(typeof v === "number" && v >= min && v <= max)) {
      throw new ConfigError(component, `'${name}' must be in [${min}, ${max}], got ${v}`);
    }
  },
  oneOf<T>(component: string, name: string, v: T, allowed: readonly T[]): void {
    if (!allowed.includes(v)) {
      throw new ConfigError(component, `'${name}' must be one of ${allowed.join(", ")}, got '${v}'`);
    }
  },
};

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The candidate closest to `name` if it is plausibly a typo (distance <= max(2, len/3)). */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
