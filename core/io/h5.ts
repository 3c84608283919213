/**
 * HDF5 reader for the small numeric files speaker back-ends ship (VBx's `transform.h5`: `mean1`,
 * `mean2`, `lda`). Parsing is done by the npm package `jsfive` (a pure-JavaScript HDF5 reader, port
 * of pyfive): no WASM, no native code, works in Deno and browsers. Datasets come back as float64.
 *
 * ```ts
 * const h5 = await readH5("VBx/models/ResNet101_16kHz/transform.h5", ["mean1", "mean2", "lda"]);
 * h5.get("lda")!.shape; // [256, 128]
 * ```
 * @module
 */
import * as hdf5 from "jsfive";
import { InputError } from "../errors.ts";
import { readInputBytes } from "./input_bytes.ts";

/** One numeric dataset: row-major float64 values and its shape. */
export interface H5Dataset {
  readonly shape: number[];
  readonly dtype: string;
  readonly data: Float64Array;
}

interface JsfiveDataset {
  readonly shape: number[];
  readonly dtype: string | unknown;
  readonly value: ArrayLike<number | bigint>;
}

/**
 * Parses HDF5 bytes and returns the named top-level numeric datasets (all of them when `names` is
 * omitted). `file` names the source in errors.
 */
export function parseH5(
  bytes: Uint8Array,
  file = "file.h5",
  names?: readonly string[],
): Map<string, H5Dataset> {
  if (bytes.length < 8 || bytes[0] !== 0x89 || bytes[1] !== 0x48 || bytes[2] !== 0x44 || bytes[3] !== 0x46) {
    throw new InputError(file, "not an HDF5 file (missing the \\x89HDF signature)");
  }
  // jsfive wants an ArrayBuffer holding exactly the file
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let f: { keys: string[]; get(name: string): unknown };
  try {
    f = new hdf5.File(buf, file) as unknown as typeof f;
  } catch (e) {
    throw new InputError(file, `cannot parse HDF5: ${(e as Error).message}`);
  }
  const keys = f.keys;
  const out = new Map<string, H5Dataset>();
  for (const name of names ?? keys) {
    if (!keys.includes(name)) {
      throw new InputError(file, `has no dataset '${name}' (holds: ${keys.join(", ") || "nothing"})`);
    }
    let ds: JsfiveDataset;
    try {
      ds = f.get(name) as JsfiveDataset;
      if (!ds || !Array.isArray(ds.shape)) throw new Error("is a group, not a dataset");
      const v = ds.value;
      const data = Float64Array.from(v as ArrayLike<number>, Number);
      const expect = ds.shape.reduce((a, b) => a * b, 1);
      if (data.length !== expect) {
        throw new Error(`holds ${data.length} values, its shape [${ds.shape}] needs ${expect}`);
      }
      if (data.some((x) => !Number.isFinite(x))) throw new Error("holds non-finite values");
      out.set(name, { shape: [...ds.shape], dtype: String(ds.dtype), data });
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(file, `dataset '${name}': ${(e as Error).message}`);
    }
  }
  return out;
}

/** Reads an HDF5 file from disk; see {@link parseH5}. */
export async function readH5(path: string, names?: readonly string[]): Promise<Map<string, H5Dataset>> {
  const bytes = await readInputBytes(path, "HDF5 file");
  return parseH5(bytes, path, names);
}
