/**
 * Reader for numpy `.npy` arrays and `.npz` archives (zip of .npy, stored or deflated, as written by
 * np.savez / np.savez_compressed). Little-endian float64/float32/int32/int64/int16/uint8/bool arrays;
 * Fortran-ordered arrays are returned in C (row-major) order.
 * @module
 */
import { InputError } from "../errors.ts";
import { readInputBytes } from "./input_bytes.ts";

/** A decoded array: row-major data with its numpy dtype string and shape. */
export interface NpyArray {
  readonly dtype: string;
  readonly shape: number[];
  readonly data: Float64Array | Float32Array | Int32Array | Int16Array | Uint8Array;
}

const td = new TextDecoder();

/** Each supported dtype: bytes per value and the typed array over the data (int64 is read as float64). */
const DTYPES = new Map<string, { size: number; view: (b: ArrayBuffer, n: number) => NpyArray["data"] }>([
  ["<f8", { size: 8, view: (b, n) => new Float64Array(b, 0, n) }],
  ["<f4", { size: 4, view: (b, n) => new Float32Array(b, 0, n) }],
  ["<i4", { size: 4, view: (b, n) => new Int32Array(b, 0, n) }],
  ["<i2", { size: 2, view: (b, n) => new Int16Array(b, 0, n) }],
  ["<i8", { size: 8, view: (b, n) => Float64Array.from(new BigInt64Array(b, 0, n), (v) => Number(v)) }],
  ["|u1", { size: 1, view: (b, n) => new Uint8Array(b, 0, n) }],
  ["|b1", { size: 1, view: (b, n) => new Uint8Array(b, 0, n) }],
]);

/** Parses one .npy file's bytes; `what` names it in errors. */
export function parseNpy(bytes: Uint8Array, what = "array.npy"): NpyArray {
  if (bytes.length < 10 || bytes[0] !== 0x93 || td.decode(bytes.subarray(1, 6)) !== "NUMPY") {
    throw new InputError(what, "not a .npy file (missing \\x93NUMPY magic)");
  }
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const hstart = major === 1 ? 10 : 12;
  const header = td.decode(bytes.subarray(hstart, hstart + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeTxt = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeTxt === undefined) {
    throw new InputError(what, `unreadable .npy header: ${header.trim()}`);
  }
  const shape = shapeTxt.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const off = hstart + hlen;
  const body = bytes.slice(off); // aligned copy
  const dtype = DTYPES.get(descr);
  if (!dtype) {
    throw new InputError(what, `dtype '${descr}' is not supported (use little-endian float64/float32/int)`);
  }
  if (body.byteLength < count * dtype.size) {
    throw new InputError(
      what,
      `truncated: ${body.byteLength} data bytes for shape (${shape.join(", ")}) of ${descr}`,
    );
  }
  let data = dtype.view(body.buffer, count);
  if (fortran && shape.length > 1) data = toRowMajor(data, shape);
  return { dtype: descr, shape, data };
}

function toRowMajor<T extends NpyArray["data"]>(src: T, shape: number[]): T {
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const nd = shape.length;
  const idx = new Array(nd).fill(0);
  for (let f = 0; f < src.length; f++) {
    // f is the Fortran linear index of idx; compute the C index
    let c = 0;
    for (let k = 0; k < nd; k++) c = c * shape[k] + idx[k];
    out[c] = src[f];
    for (let k = 0; k < nd; k++) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Parses an .npz archive's bytes into name -> array (the `.npy` suffix dropped, like np.load). */
export async function parseNpz(bytes: Uint8Array, what = "archive.npz"): Promise<Map<string, NpyArray>> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new InputError(what, "not a zip/.npz archive (no end-of-central-directory record)");
  const entries = dv.getUint16(eocd + 10, true);
  let p = dv.getUint32(eocd + 16, true);
  const out = new Map<string, NpyArray>();
  const truncated = (where: string) =>
    new InputError(what, `truncated or corrupt zip: ${where} runs past the end of the file; re-save it`);
  for (let e = 0; e < entries; e++) {
    if (p + 46 > bytes.length) throw truncated(`central directory entry ${e}`);
    if (dv.getUint32(p, true) !== 0x02014b50) {
      throw new InputError(what, `corrupt central directory at byte ${p}`);
    }
    const method = dv.getUint16(p + 10, true);
    const csize = dv.getUint32(p + 20, true);
    const nameLen = dv.getUint16(p + 28, true),
      extraLen = dv.getUint16(p + 30, true),
      commentLen = dv.getUint16(p + 32, true);
    const local = dv.getUint32(p + 42, true);
    const name = td.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (csize === 0xffffffff || local === 0xffffffff) {
      throw new InputError(what, `entry '${name}' uses zip64, which is not supported`);
    }
    if (local + 30 > bytes.length) throw truncated(`local header of '${name}'`);
    if (dv.getUint32(local, true) !== 0x04034b50) {
      throw new InputError(what, `corrupt local header of '${name}'`);
    }
    const start = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    if (start + csize > bytes.length) throw truncated(`data of '${name}'`);
    const raw = bytes.subarray(start, start + csize);
    let file: Uint8Array;
    if (method === 0) file = raw;
    else if (method === 8) file = await inflateRaw(raw);
    else {throw new InputError(
        what,
        `entry '${name}' uses zip method ${method}; only stored and deflate are supported`,
      );}
    out.set(name.replace(/\.npy$/, ""), parseNpy(file, `${what}:${name}`));
  }
  return out;
}

/** Reads an .npz file from disk. */
export async function readNpz(path: string): Promise<Map<string, NpyArray>> {
  const bytes = await readInputBytes(path, ".npz");
  return parseNpz(bytes, path);
}

/** The named array of an archive, with an error naming the file and the arrays it does hold. */
export function npzGet(npz: Map<string, NpyArray>, name: string, file: string): NpyArray {
  const a = npz.get(name);
  if (!a) throw new InputError(file, `has no array '${name}' (holds: ${[...npz.keys()].join(", ")})`);
  return a;
}
