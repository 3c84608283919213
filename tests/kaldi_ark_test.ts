/** Kaldi ark reader: binary float/double vectors and matrices, text arks, clear errors. */
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./assert.ts";
import { golden, needsShared, shared } from "./helpers.ts";
import {
  arkVectorsToMatrix,
  encodeArk,
  isArkMatrix,
  parseArk,
  readArk,
  readArkEntries,
} from "../core/io/kaldi_ark.ts";
import type { Matrix } from "../core/matrix.ts";
import { InputError } from "../core/errors.ts";

// deno-lint-ignore no-explicit-any
const G: any = golden("clusterers.json");
const enc = new TextEncoder();
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), o += p.length;
  return out;
};
const i32 = (v: number) => {
  const b = new Uint8Array(5);
  b[0] = 4;
  new DataView(b.buffer).setInt32(1, v, true);
  return b;
};
const f64s = (vals: number[]) => {
  const b = new Uint8Array(vals.length * 8);
  vals.forEach((v, i) => new DataView(b.buffer).setFloat64(8 * i, v, true));
  return b;
};

Deno.test(needsShared("kaldi ark: the VBx x-vector ark (BFV) matches numpy's independent parse"), () => {
  const path = shared("vbx-es2005a", "exp", "ES2005a.ark");
  const ark = readArk(path);
  const ref = G.ark;
  assertEquals(ark.size, ref.count);
  const { keys, matrix } = arkVectorsToMatrix(ark, path);
  assertEquals(matrix.cols, ref.dim);
  assertEquals(keys[0], ref.first_key);
  assertEquals(keys[keys.length - 1], ref.last_key);
  ref.row0_head.forEach((v: number, i: number) => assertEquals(matrix.data[i], v));
  const last = matrix.data.subarray(matrix.data.length - 8);
  ref.row_last_tail.forEach((v: number, i: number) => assertEquals(last[i], v));
  let s = 0;
  for (const v of matrix.data) s += v;
  assertAlmostEquals(s, ref.sum, 1e-6 * Math.abs(ref.sum) + 1e-6);
  assertEquals(readArkEntries(path).length, ref.count);
});

Deno.test(needsShared("kaldi ark: text-form matrix (real Kaldi compute-fbank-feats output)"), () => {
  const ark = readArk(shared("kaldi-fbank-reference", "test.txt"));
  const m = ark.get("1") as Matrix;
  assert(isArkMatrix(m));
  assertEquals([m.rows, m.cols], [118, 23]);
  assertEquals(m.data[0], Math.fround(15.00744));
  assertEquals(m.data[23], Math.fround(13.87853));
});

Deno.test("kaldi ark: binary DV/DM (doubles), FV/FM round trip, text vectors, mixed entries", () => {
  const bytes = concat(
    enc.encode("u1 "),
    Uint8Array.of(0, 0x42),
    enc.encode("DV "),
    i32(3),
    f64s([1.5, -2.25, 1e-3]),
    enc.encode("u2 "),
    Uint8Array.of(0, 0x42),
    enc.encode("DM "),
    i32(2),
    i32(2),
    f64s([1, 2, 3, 4]),
    enc.encode("t1  [ 1 2.5 -3 ]\nt2  [\n  1 2\n  3 4 ]\n"),
  );
  const e = parseArk(bytes, "mixed.ark");
  assertEquals(e.map((x) => x.key), ["u1", "u2", "t1", "t2"]);
  assertEquals(Array.from(e[0].value as Float32Array), [1.5, -2.25, Math.fround(1e-3)]);
  const m = e[1].value as Matrix;
  assertEquals([m.rows, m.cols, ...m.data], [2, 2, 1, 2, 3, 4]);
  assertEquals(Array.from(e[2].value as Float32Array), [1, 2.5, -3]);
  const t = e[3].value as Matrix;
  assertEquals([t.rows, t.cols, ...t.data], [2, 2, 1, 2, 3, 4]);
  const rt = parseArk(encodeArk(e), "rt.ark");
  assertEquals(rt, e);
});

Deno.test("kaldi ark: corrupt input names the file, the entry and the fix", () => {
  const good = encodeArk([{ key: "a", value: Float32Array.of(1, 2, 3) }]);
  assertThrows(
    () => parseArk(good.subarray(0, good.length - 2), "cut.ark"),
    InputError,
    "cut.ark: entry 0 ('a'",
  );
  const cm = concat(enc.encode("a "), Uint8Array.of(0, 0x42), enc.encode("CM "), i32(1));
  assertThrows(() => parseArk(cm, "c.ark"), InputError, "copy-feats");
  const unk = concat(enc.encode("a "), Uint8Array.of(0, 0x42), enc.encode("XX "));
  assertThrows(() => parseArk(unk, "u.ark"), InputError, "unknown binary token 'XX'");
  assertThrows(() => parseArk(enc.encode("a 1 2 3\n"), "t.ark"), InputError, "expected '['");
  assertThrows(() => parseArk(enc.encode("a [ 1 x ]\n"), "t.ark"), InputError, "'x' is not a number");
  assertThrows(() => parseArk(enc.encode("a [\n 1 2\n 3 ]\n"), "t.ark"), InputError, "row 1 has 1 values");
  assertThrows(() => readArk("/nonexistent/x.ark"), InputError, "/nonexistent/x.ark");
  const dup = concat(good, good);
  assertEquals(parseArk(dup).length, 2);
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeFileSync(`${dir}/dup.ark`, dup);
    assertThrows(() => readArk(`${dir}/dup.ark`), InputError, "duplicate key 'a'");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
