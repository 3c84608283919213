/**
 * JSON encoding for stage outputs: plain JSON plus typed arrays (stored as base64 so a cached
 * embedding matrix round-trips bit-exactly) and Matrix objects (which are just {rows, cols, data}).
 * @module
 */

const TYPED = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  i8: Int8Array,
  u8: Uint8Array,
} as const;
type TypedTag = keyof typeof TYPED;

function tagOf(v: unknown): TypedTag | undefined {
  if (v instanceof Float32Array) return "f32";
  if (v instanceof Float64Array) return "f64";
  if (v instanceof Int32Array) return "i32";
  if (v instanceof Int8Array) return "i8";
  if (v instanceof Uint8Array) return "u8";
  return undefined;
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  const CH = 0x8000;
  for (let i = 0; i < bytes.length; i += CH) s += String.fromCharCode(...bytes.subarray(i, i + CH));
  return btoa(s);
}

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A typed array as `{ $typed, b64 }` (its bytes, whatever view it is), or undefined for anything else. */
function typedJson(v: unknown): { $typed: TypedTag; b64: string } | undefined {
  const tag = tagOf(v);
  if (!tag) return undefined;
  const a = v as ArrayBufferView;
  return { $typed: tag, b64: toBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) };
}

/** Serialises a value (with typed arrays) to JSON text. Key order is preserved. */
export function encodeValue(value: unknown, indent?: number): string {
  return JSON.stringify(value, function (_k, v) {
    const typed = typedJson(v);
    if (typed) return typed;
    if (typeof v === "number" && !Number.isFinite(v)) return { $num: String(v) };
    return v;
  }, indent);
}

/** Inverse of {@link encodeValue}. */
export function decodeValue<T = unknown>(text: string): T {
  return JSON.parse(text, (_k, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      if (typeof v.$typed === "string" && typeof v.b64 === "string" && v.$typed in TYPED) {
        const bytes = fromBase64(v.b64);
        const Ctor = TYPED[v.$typed as TypedTag];
        return new Ctor(bytes.buffer as ArrayBuffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
      }
      if (typeof v.$num === "string" && Object.keys(v).length === 1) return Number(v.$num);
    }
    return v;
  }) as T;
}

/**
 * Deterministic JSON for hashing: object keys sorted, typed arrays summarised by content, functions dropped.
 */
export function stableStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (v === undefined || typeof v === "function") return null;
    if (typeof v === "number" && !Number.isFinite(v)) return String(v);
    if (typeof v !== "object" || v === null) return v;
    const typed = typedJson(v);
    if (typed) return typed;
    if (seen.has(v)) throw new TypeError("stableStringify: cyclic value");
    seen.add(v);
    let out: unknown;
    if (Array.isArray(v)) out = v.map(walk);
    else {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) o[k] = walk((v as Record<string, unknown>)[k]);
      out = o;
    }
    seen.delete(v);
    return out;
  };
  return JSON.stringify(walk(value));
}
