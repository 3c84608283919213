/**
 * Kaldi archive (ark) reader: binary (`\0B` header, tokens `FV`/`DV`/`FM`/`DM`) and text form
 * (`key [ 1 2 3 ]` vectors, `key [\n 1 2\n 3 4 ]` matrices). Entries of either form may be mixed in
 * one file, as Kaldi allows.
 *
 * Values come back as float32 (`Float32Array` for vectors, {@link Matrix} for matrices): double
 * entries (`DV`/`DM`) are rounded to float32 because every embedkit kernel works in float32.
 * Compressed matrices (`CM`, `CM2`, `CM3`) are refused with a message saying how to convert them.
 *
 * ```ts
 * const xvecs = readArk("exp/ES2005a.ark");      // Map key -> Float32Array, in file order
 * const { keys, matrix } = arkVectorsToMatrix(xvecs); // 1025 x 256
 * ```
 * @module
 */
import { InputError } from "../errors.ts";
import type { Matrix } from "../matrix.ts";

/** One ark entry value: a vector or a matrix. */
export type ArkValue = Float32Array | Matrix;

/** One ark entry, in file order. */
export interface ArkEntry {
  /** The utterance/segment key. */
  readonly key: string;
  /** Its vector or matrix. */
  readonly value: ArkValue;
}

/** True when the value is a matrix (not a vector). */
export function isArkMatrix(v: ArkValue): v is Matrix {
  return !(v instanceof Float32Array);
}

/** Reads an ark file into a Map (insertion order = file order). Duplicate keys are refused. */
export function readArk(path: string): Map<string, ArkValue> {
  const out = new Map<string, ArkValue>();
  for (const { key, value } of readArkEntries(path)) {
    if (out.has(key)) throw new InputError(path, `duplicate key '${key}'; use readArkEntries() to keep both`);
    out.set(key, value);
  }
  return out;
}

/** Reads an ark file into an ordered array of entries (duplicates kept). */
export function readArkEntries(path: string): ArkEntry[] {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (e) {
    throw new InputError(path, `cannot read Kaldi ark: ${(e as Error).message}`);
  }
  return parseArk(bytes, path);
}

const SPACE = 0x20, TAB = 0x09, NL = 0x0a, CR = 0x0d, NUL = 0x00;
const isWs = (b: number) => b === SPACE || b === TAB || b === NL || b === CR;

/** Parses ark bytes; `name` is used in error messages (a file path). */
export function parseArk(bytes: Uint8Array, name = "<ark>"): ArkEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder();
  const entries: ArkEntry[] = [];
  let p = 0;
  const n = bytes.length;
  while (true) {
    while (p < n && isWs(bytes[p])) p++;
    if (p >= n) break;
    const keyStart = p;
    while (p < n && bytes[p] !== SPACE && bytes[p] !== TAB && bytes[p] !== NL) p++;
    const key = dec.decode(bytes.subarray(keyStart, p));
    const at = `entry ${entries.length} ('${key}', byte ${keyStart})`;
    if (p >= n || bytes[p] === NL) {
      throw new InputError(name, `${at}: key without a value; is this a Kaldi ark (not an scp list)?`);
    }
    p++; // the single space after the key
    if (bytes[p] === NUL && bytes[p + 1] === 0x42 /* B */) {
      p += 2;
      const r = readBinaryValue(bytes, view, p, name, at);
      entries.push({ key, value: r.value });
      p = r.end;
    } else {
      const r = readTextValue(bytes, p, name, at);
      entries.push({ key, value: r.value });
      p = r.end;
    }
  }
  return entries;
}

function readToken(bytes: Uint8Array, p: number): { token: string; end: number } {
  const s = p;
  while (p < bytes.length && !isWs(bytes[p])) p++;
  const token = new TextDecoder().decode(bytes.subarray(s, p));
  return { token, end: p < bytes.length ? p + 1 : p }; // tokens end with one space
}

function readBinaryValue(
  bytes: Uint8Array,
  view: DataView,
  p: number,
  name: string,
  at: string,
): { value: ArkValue; end: number } {
  const { token, end } = readToken(bytes, p);
  p = end;
  const int32 = (): number => {
    if (p + 5 > bytes.length) throw new InputError(name, `${at}: truncated (size field past end of file)`);
    if (bytes[p] !== 4) {
      throw new InputError(name, `${at}: expected a 4-byte int size marker, got ${bytes[p]}; file corrupt?`);
    }
    const v = view.getInt32(p + 1, true);
    p += 5;
    return v;
  };
  const floats = (count: number, double: boolean): Float32Array => {
    const width = double ? 8 : 4;
    if (count < 0 || p + count * width > bytes.length) {
      throw new InputError(
        name,
        `${at}: truncated: needs ${count * width} data bytes, ${bytes.length - p} left`,
      );
    }
    const out = new Float32Array(count);
    if (double) { for (let i = 0; i < count; i++) out[i] = view.getFloat64(p + 8 * i, true); }
    else for (let i = 0; i < count; i++) out[i] = view.getFloat32(p + 4 * i, true);
    p += count * width;
    return out;
  };
  switch (token) {
    case "FV":
    case "DV": {
      const dim = int32();
      return { value: floats(dim, token === "DV"), end: p };
    }
    case "FM":
    case "DM": {
      const rows = int32();
      const cols = int32();
      if (rows < 0 || cols < 0) throw new InputError(name, `${at}: negative matrix size ${rows}x${cols}`);
      return { value: { rows, cols, data: floats(rows * cols, token === "DM") }, end: p };
    }
    case "CM":
    case "CM2":
    case "CM3":
      throw new InputError(
        name,
        `${at}: compressed Kaldi matrix (${token}) is not supported; convert with ` +
          "`copy-feats ark:in.ark ark:out.ark` (decompresses) first",
      );
    default:
      throw new InputError(
        name,
        `${at}: unknown binary token '${token}'; supported: FV, DV (vectors), FM, DM (matrices)`,
      );
  }
}

function readTextValue(
  bytes: Uint8Array,
  p: number,
  name: string,
  at: string,
): { value: ArkValue; end: number } {
  const n = bytes.length;
  while (p < n && (bytes[p] === SPACE || bytes[p] === TAB)) p++;
  if (bytes[p] !== 0x5b /* [ */) {
    throw new InputError(name, `${at}: expected '[' (text ark) or '\\0B' (binary ark) after the key`);
  }
  p++;
  const rowsOut: number[][] = [];
  let cur: number[] = [];
  let sawNewline = false;
  const dec = new TextDecoder();
  while (true) {
    while (p < n && (bytes[p] === SPACE || bytes[p] === TAB || bytes[p] === CR)) p++;
    if (p >= n) throw new InputError(name, `${at}: missing closing ']' (file truncated?)`);
    const b = bytes[p];
    if (b === NL) {
      sawNewline = true;
      if (cur.length) rowsOut.push(cur), cur = [];
      p++;
      continue;
    }
    if (b === 0x5d /* ] */) {
      p++;
      if (cur.length) rowsOut.push(cur);
      break;
    }
    const s = p;
    while (p < n && !isWs(bytes[p]) && bytes[p] !== 0x5d) p++;
    const tok = dec.decode(bytes.subarray(s, p));
    const v = Number(tok);
    if (tok === "" || (!Number.isFinite(v) && !/^[-+]?(inf|nan)$/i.test(tok))) {
      throw new InputError(name, `${at}: '${tok}' is not a number`);
    }
    cur.push(/^[-+]?inf$/i.test(tok) ? (tok.startsWith("-") ? -Infinity : Infinity) : v);
  }
  if (!sawNewline) {
    // `key [ 1 2 3 ]` on one line: a vector.
    return { value: Float32Array.from(rowsOut[0] ?? []), end: p };
  }
  const cols = rowsOut.length ? rowsOut[0].length : 0;
  const data = new Float32Array(rowsOut.length * cols);
  rowsOut.forEach((r, i) => {
    if (r.length !== cols) {
      throw new InputError(name, `${at}: matrix row ${i} has ${r.length} values, row 0 has ${cols}`);
    }
    data.set(r, i * cols);
  });
  return { value: { rows: rowsOut.length, cols, data }, end: p };
}

/**
 * Stacks the vectors of an ark (e.g. x-vectors) into one matrix, rows in ark order.
 * Throws naming the first key whose value is a matrix or whose dimension differs.
 */
export function arkVectorsToMatrix(
  ark: Map<string, ArkValue> | ArkEntry[],
  name = "<ark>",
): { keys: string[]; matrix: Matrix } {
  const entries: ArkEntry[] = ark instanceof Map ? [...ark].map(([key, value]) => ({ key, value })) : ark;
  const keys = entries.map((e) => e.key);
  if (!entries.length) return { keys, matrix: { rows: 0, cols: 0, data: new Float32Array(0) } };
  const first = entries[0].value;
  if (isArkMatrix(first)) throw new InputError(name, `'${entries[0].key}' is a matrix, expected vectors`);
  const d = first.length;
  const data = new Float32Array(entries.length * d);
  entries.forEach(({ key, value }, i) => {
    if (isArkMatrix(value)) throw new InputError(name, `'${key}' is a matrix, expected vectors`);
    if (value.length !== d) {
      throw new InputError(name, `'${key}' has dim ${value.length}, the first entry has ${d}`);
    }
    data.set(value, i * d);
  });
  return { keys, matrix: { rows: entries.length, cols: d, data } };
}

/** Serialises entries as a binary float ark (`FV`/`FM`); the inverse of {@link parseArk}. */
export function encodeArk(entries: ArkEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const { key, value } of entries) {
    if (/\s/.test(key) || !key) throw new RangeError(`ark key '${key}' must be non-empty without whitespace`);
    parts.push(enc.encode(`${key} `), Uint8Array.of(0, 0x42));
    const mat = isArkMatrix(value);
    const head = new Uint8Array(3 + (mat ? 10 : 5));
    const hv = new DataView(head.buffer);
    head.set(enc.encode(mat ? "FM " : "FV "));
    head[3] = 4;
    hv.setInt32(4, mat ? value.rows : value.length, true);
    if (mat) (head[8] = 4), hv.setInt32(9, value.cols, true);
    parts.push(head);
    const data = mat ? value.data : value;
    const body = new Uint8Array(data.length * 4);
    const bv = new DataView(body.buffer);
    for (let i = 0; i < data.length; i++) bv.setFloat32(4 * i, data[i], true);
    parts.push(body);
  }
  const total = parts.reduce((s, x) => s + x.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const x of parts) out.set(x, o), o += x.length;
  return out;
}
