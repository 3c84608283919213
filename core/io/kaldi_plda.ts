/**
 * Reader for Kaldi's PLDA object (`ivector-compute-plda` output) in binary or text form:
 * `<Plda> <mean vector> <transform matrix> <psi vector> </Plda>`. Kaldi's transform maps an
 * embedding (after subtracting the mean) to a space where the within-class covariance is I and the
 * between-class covariance is diag(psi). VBx ships its ResNet101 back-end in this format.
 * @module
 */
import { InputError } from "../errors.ts";
import { readInputBytes } from "./input_bytes.ts";

/** Kaldi PLDA parameters in float64. */
export interface KaldiPlda {
  readonly mean: Float64Array;
  /** dim x dim, row-major. */
  readonly transform: Float64Array;
  readonly psi: Float64Array;
  readonly dim: number;
}

const td = new TextDecoder();

class BinReader {
  p = 0;
  readonly dv: DataView;
  constructor(readonly b: Uint8Array, readonly file: string) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  fail(msg: string): never {
    throw new InputError(this.file, `${msg} (at byte ${this.p}); is this a Kaldi PLDA file?`);
  }
  token(): string {
    while (this.p < this.b.length && this.b[this.p] === 0x20) this.p++;
    const s = this.p;
    while (this.p < this.b.length && this.b[this.p] !== 0x20) this.p++;
    if (this.p === s) this.fail("unexpected end of file");
    const t = td.decode(this.b.subarray(s, this.p));
    this.p++; // the space after the token
    return t;
  }
  int32(): number {
    if (this.p + 5 > this.b.length) this.fail("truncated: a size field runs past the end of the file");
    if (this.b[this.p] !== 4) this.fail(`expected a 4-byte integer size marker, found ${this.b[this.p]}`);
    const v = this.dv.getInt32(this.p + 1, true);
    this.p += 5;
    return v;
  }
  floats(kind: string, n: number): Float64Array {
    const size = kind[0] === "D" ? 8 : 4;
    if (this.p + n * size > this.b.length) {
      this.fail(`truncated ${kind} data: ${n} values need ${n * size} bytes`);
    }
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = size === 8
        ? this.dv.getFloat64(this.p + 8 * i, true)
        : this.dv.getFloat32(this.p + 4 * i, true);
    }
    this.p += n * size;
    return out;
  }
  vector(): Float64Array {
    const kind = this.token();
    if (kind !== "DV" && kind !== "FV") this.fail(`expected a vector (DV/FV), found '${kind}'`);
    return this.floats(kind, this.int32());
  }
  matrix(): { rows: number; cols: number; data: Float64Array } {
    const kind = this.token();
    if (kind !== "DM" && kind !== "FM") this.fail(`expected a matrix (DM/FM), found '${kind}'`);
    const rows = this.int32(), cols = this.int32();
    return { rows, cols, data: this.floats(kind, rows * cols) };
  }
}

function parseText(s: string, file: string): KaldiPlda {
  const body = s.replace(/^\s*<Plda>/, "").replace(/<\/Plda>\s*$/, "");
  const blocks = [...body.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1].trim());
  if (blocks.length !== 3) {
    throw new InputError(
      file,
      `text PLDA needs [mean] [transform] [psi], found ${blocks.length} bracketed blocks`,
    );
  }
  const nums = (t: string) => Float64Array.from(t.split(/\s+/).filter(Boolean).map(Number));
  const mean = nums(blocks[0]), psi = nums(blocks[2]);
  const rows = blocks[1].split("\n").map((r) => r.trim()).filter(Boolean);
  const transform = Float64Array.from(rows.flatMap((r) => [...nums(r)]));
  return check({ mean, transform, psi, dim: mean.length }, file);
}

function check(p: KaldiPlda, file: string): KaldiPlda {
  const d = p.mean.length;
  if (p.transform.length !== d * d || p.psi.length !== d) {
    throw new InputError(
      file,
      `inconsistent PLDA sizes: mean ${d}, transform ${p.transform.length} values, psi ${p.psi.length}`,
    );
  }
  for (const v of [p.mean, p.transform, p.psi]) {
    if (v.some((x) => !Number.isFinite(x))) throw new InputError(file, "PLDA holds non-finite values");
  }
  if (p.psi.some((x) => x < 0)) {
    throw new InputError(file, "PLDA psi (between-class variances) has negative entries");
  }
  return p;
}

/** Parses Kaldi PLDA bytes (binary `\0B` header or text). */
export function parseKaldiPlda(bytes: Uint8Array, file = "plda"): KaldiPlda {
  if (bytes[0] === 0 && bytes[1] === 0x42) {
    const r = new BinReader(bytes.subarray(2), file);
    const open = r.token();
    if (open !== "<Plda>") r.fail(`expected <Plda>, found '${open.slice(0, 20)}'`);
    const mean = r.vector();
    const t = r.matrix();
    const psi = r.vector();
    if (t.rows !== mean.length || t.cols !== mean.length) {
      r.fail(`transform is ${t.rows}x${t.cols}, mean has ${mean.length}`);
    }
    const close = r.token();
    if (close !== "</Plda>") r.fail(`expected </Plda>, found '${close.slice(0, 20)}'`);
    return check({ mean, transform: t.data, psi, dim: mean.length }, file);
  }
  const text = td.decode(bytes);
  if (!text.trimStart().startsWith("<Plda>")) {
    throw new InputError(file, "not a Kaldi PLDA file (no binary header and no <Plda> token)");
  }
  return parseText(text, file);
}

/** Reads a Kaldi PLDA file from disk. */
export async function readKaldiPlda(path: string): Promise<KaldiPlda> {
  const bytes = await readInputBytes(path, "Kaldi PLDA");
  return parseKaldiPlda(bytes, path);
}
