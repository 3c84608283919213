/**
 * Back-end adapters (mean-sub, lda, wccn, plda) through the registry against the independent numpy /
 * scipy oracle tests/golden/gen_backends.py (-> backends.json), plus the .npz and Kaldi PLDA readers on
 * the real pyannote and VBx files in ../shared/data.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import type { Adapter } from "../core/contracts/mod.ts";
import { ConfigError, InputError, PluginError } from "../core/errors.ts";
import { matrix } from "../core/matrix.ts";
import { golden, maxAbsDiff, needsShared, shared, withTempDir } from "./helpers.ts";
import { parseNpy, parseNpz, readNpz } from "../core/io/npz.ts";
import { parseKaldiPlda, readKaldiPlda } from "../core/io/kaldi_plda.ts";
import { eighGeneralized, eighSym } from "../core/scoring/linalg.ts";
import type { PldaAdapter } from "../plugins/adapters/plda.ts";

interface BackendGolden {
  synthetic: {
    dim: number;
    x: number[];
    labels: number[];
    probe: number[];
    lda_dim: number;
    lda_eigenvalues: number[];
    lda_probe: number[];
    wccn_probe: number[];
    plda_psi: number[];
    plda_llr_3x4: number[][];
    plda_em10_psi: number[];
    plda_em10_llr_3x4: number[][];
  };
  mean_sub: { enroll: number[]; test: number[]; test_shifted: number[] };
  pyannote: { raw: number[]; xvec_tf: number[]; plda_tf_abs: number[]; psi: number[]; llr_3x3: number[][] };
  kaldi: { mean_head: number[]; psi_sorted_desc_head: number[]; x: number[]; llr_3x3: number[][] };
}
const G = golden<BackendGolden>("backends.json");
const S = G.synthetic;
const X = matrix(S.labels.length, S.dim, S.x);
const LABELS = Int32Array.from(S.labels);
const PROBE = matrix(S.probe.length / S.dim, S.dim, S.probe);

/** Relative max difference, for values of very different magnitudes (llrs). */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

Deno.test("linalg: Jacobi eigh and generalised eigh reconstruct their inputs", () => {
  const n = 6, a = new Float64Array(n * n), b = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      a[i * n + j] = a[j * n + i] = Math.sin(i * 3 + j) + (i === j ? 2 : 0);
      b[i * n + j] = b[j * n + i] = (i === j ? 3 : 0) + 0.3 * Math.cos(i + j);
    }
  }
  const { values, vectors } = eighSym(a, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * values[k] * vectors[j * n + k];
      assertAlmostEquals(s, a[i * n + j], 1e-12);
    }
  }
  // larger, with a repeated eigenvalue (identity + rank one): V diag(values) V^T reconstructs, V orthonormal
  const m = 30,
    r = new Float64Array(m * m),
    u = Float64Array.from({ length: m }, (_, i) => Math.cos(i * 0.7));
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) r[i * m + j] = (i === j ? 1 : 0) + u[i] * u[j];
  const er = eighSym(r, m);
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0, o = 0;
      for (let k = 0; k < m; k++) {
        s += er.vectors[i * m + k] * er.values[k] * er.vectors[j * m + k];
        o += er.vectors[k * m + i] * er.vectors[k * m + j];
      }
      worst = Math.max(worst, Math.abs(s - r[i * m + j]), Math.abs(o - (i === j ? 1 : 0)));
    }
  }
  assert(worst < 1e-12, `eighSym n=30 error ${worst}`);
  assertAlmostEquals(er.values[1], 1, 1e-12);
  const g = eighGeneralized(a, b, n);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let av = 0, bv = 0;
      for (let j = 0; j < n; j++) {
        av += a[i * n + j] * g.vectors[j * n + k];
        bv += b[i * n + j] * g.vectors[j * n + k];
      }
      assertAlmostEquals(av, g.values[k] * bv, 1e-11);
    }
  }
});

Deno.test("lda: projection and eigenvalues match scipy.linalg.eigh(Sb, Sw)", async () => {
  const lda = await registry.create("adapter", "lda", { dim: S.lda_dim });
  await lda.fit({ x: X, labels: LABELS });
  const st = lda.state!() as { eigenvalues: number[] };
  assert(
    maxAbsDiff(st.eigenvalues, S.lda_eigenvalues) < 1e-9,
    `eigenvalues ${st.eigenvalues} vs ${S.lda_eigenvalues}`,
  );
  const y = lda.transform(PROBE);
  assertEquals([y.rows, y.cols], [PROBE.rows, S.lda_dim]);
  const d = maxAbsDiff(y.data, S.lda_probe);
  console.log(`lda: max |diff| vs scipy ${d.toExponential(2)}`);
  assert(d < 1e-5, `lda max diff ${d}`);
  const big = await registry.create("adapter", "lda", { dim: 50 });
  assertThrows(() => big.fit({ x: X, labels: LABELS }), RangeError, "lower 'dim'");
  assertThrows(() => lda.transform(matrix(1, 3)), PluginError, "fitted on 10-d");
});

Deno.test("wccn: x -> chol(W^-1)^T x matches numpy", async () => {
  const w = await registry.create("adapter", "wccn", {});
  await w.fit({ x: X, labels: LABELS });
  const d = maxAbsDiff(w.transform(PROBE).data, S.wccn_probe);
  console.log(`wccn: max |diff| vs numpy ${d.toExponential(2)}`);
  assert(d < 1e-5, `wccn max diff ${d}`);
  const fresh = await registry.create("adapter", "wccn", {});
  assertThrows(() => fresh.transform(PROBE), PluginError, "call fit()");
});

Deno.test("plda (trained): psi and llrs match full-Gaussian scipy llrs in the original space", async () => {
  const p = await registry.create("adapter", "plda", { iterations: 0 }) as PldaAdapter;
  await p.fit({ x: X, labels: LABELS });
  const psi = p.model()!.plda.psi;
  assert(maxRelDiff(psi, S.plda_psi) < 1e-9, `psi ${psi} vs ${S.plda_psi}`);
  const llr = p.score!(
    matrix(3, S.dim, PROBE.data.subarray(0, 3 * S.dim)),
    matrix(4, S.dim, PROBE.data.subarray(3 * S.dim)),
  );
  const d = maxRelDiff(llr, S.plda_llr_3x4.flat());
  console.log(`plda trained: max rel diff of llr vs scipy ${d.toExponential(2)}`);
  assert(d < 1e-5, `llr max rel diff ${d}: ${llr} vs ${S.plda_llr_3x4.flat()}`);
  const y = p.transform(PROBE);
  assertEquals(y.cols, S.dim);
  // 10 EM iterations (the default) vs an independent numpy EM
  const em = await registry.create("adapter", "plda", {}) as PldaAdapter;
  await em.fit({ x: X, labels: LABELS });
  assert(
    maxRelDiff(em.model()!.plda.psi, S.plda_em10_psi) < 1e-8,
    `EM psi ${em.model()!.plda.psi} vs ${S.plda_em10_psi}`,
  );
  const llrEm = em.score!(
    matrix(3, S.dim, PROBE.data.subarray(0, 3 * S.dim)),
    matrix(4, S.dim, PROBE.data.subarray(3 * S.dim)),
  );
  const dEm = maxRelDiff(llrEm, S.plda_em10_llr_3x4.flat());
  console.log(`plda EM x10: max rel diff of llr vs numpy EM ${dEm.toExponential(2)}`);
  assert(dEm < 1e-5, `EM llr ${llrEm} vs ${S.plda_em10_llr_3x4.flat()}`);
  const p3 = await registry.create("adapter", "plda", { dim: 3 });
  await p3.fit({ x: X, labels: LABELS });
  assertEquals(p3.transform(PROBE).cols, 3);
});

Deno.test("mean-sub: test embeddings shifted by enrollment mean - test mean (two sets or domain ids)", async () => {
  const m = G.mean_sub;
  const e = matrix(m.enroll.length / 5, 5, m.enroll), t = matrix(m.test.length / 5, 5, m.test);
  const ms = await registry.create("adapter", "mean-sub", {});
  await ms.fit({ x: e }, { x: t });
  assert(maxAbsDiff(ms.transform(t).data, m.test_shifted) < 1e-5);
  const both = matrix(e.rows + t.rows, 5, [...e.data, ...t.data]);
  const domains = Int32Array.from({ length: both.rows }, (_, i) => (i < e.rows ? 0 : 1));
  const ms2 = await registry.create("adapter", "mean-sub", {});
  await ms2.fit({ x: both, domains });
  assert(maxAbsDiff(ms2.transform(t).data, m.test_shifted) < 1e-5);
  // no second set and no domains: plain centring
  const ms3 = await registry.create("adapter", "mean-sub", {});
  await ms3.fit({ x: t });
  const centred = ms3.transform(t);
  for (let j = 0; j < 5; j++) {
    let s = 0;
    for (let i = 0; i < t.rows; i++) s += centred.data[i * 5 + j];
    assertAlmostEquals(s / t.rows, 0, 1e-6);
  }
  const ms4 = await registry.create("adapter", "mean-sub", {});
  assertThrows(() => ms4.fit({ x: both, domains: new Int32Array(3) }), RangeError, "one domain id per row");
  assertThrows(
    () => ms4.fit({ x: both, domains: new Int32Array(both.rows).fill(1) }),
    RangeError,
    "no domain 0",
  );
});

Deno.test(
  needsShared("plda: pyannote plda.npz + xvec_transform.npz match a numpy port of pyannote's vbx_setup"),
  async () => {
    const pg = G.pyannote;
    const p = await registry.create("adapter", "plda", {
      pyannote: shared("pyannote-plda", "plda"),
    }) as PldaAdapter;
    p.fit({ x: matrix(0, 256) }); // loaded models ignore fit
    const raw = matrix(6, 256, pg.raw);
    const model = p.model()!;
    assert(maxRelDiff(model.plda.psi, pg.psi) < 1e-9, "psi");
    const { applyXvecTransform } = await import("../core/scoring/plda.ts");
    const xt = applyXvecTransform(model.xvec!, raw);
    const dx = maxAbsDiff(xt.data, pg.xvec_tf);
    const y = p.transform(raw);
    const dy = maxAbsDiff(y.data.map(Math.abs), pg.plda_tf_abs);
    const llr = p.score!(matrix(3, 256, raw.data.subarray(0, 768)), matrix(3, 256, raw.data.subarray(768)));
    const dl = maxRelDiff(llr, pg.llr_3x3.flat());
    console.log(
      `pyannote: xvec_tf ${dx.toExponential(2)}, plda_tf ${dy.toExponential(2)}, llr rel ${
        dl.toExponential(2)
      }`,
    );
    assert(dx < 2e-5 && dy < 2e-4 && dl < 1e-5, `${dx} ${dy} ${dl}`);
  },
);

Deno.test(needsShared("plda: VBx Kaldi-binary PLDA loads; llrs match full-Gaussian scipy llrs"), async () => {
  const k = G.kaldi;
  const path = shared("vbx-es2005a", "VBx", "models", "ResNet101_16kHz", "plda");
  const raw = await readKaldiPlda(path);
  assertEquals(raw.dim, 128);
  assert(maxAbsDiff(raw.mean.subarray(0, 5), k.mean_head) === 0, "mean bit-exact");
  const p = await registry.create("adapter", "plda", { kaldi: path }) as PldaAdapter;
  assert(maxAbsDiff(p.model()!.plda.psi.subarray(0, 5), k.psi_sorted_desc_head) === 0, "psi sorted");
  const x = matrix(6, 128, k.x);
  const llr = p.score!(matrix(3, 128, x.data.subarray(0, 384)), matrix(3, 128, x.data.subarray(384)));
  const d = maxRelDiff(llr, k.llr_3x3.flat());
  console.log(`kaldi plda: llr max rel diff ${d.toExponential(2)}`);
  assert(d < 1e-5, `${llr} vs ${k.llr_3x3.flat()}`);
  // a text-form Kaldi PLDA with the same numbers scores the same
  const fmt = (v: ArrayLike<number>) => Array.from(v, (n) => n.toPrecision(17)).join(" ");
  const rows = Array.from({ length: 128 }, (_, r) => fmt(raw.transform.subarray(r * 128, (r + 1) * 128)));
  const text = `<Plda> [ ${fmt(raw.mean)} ]\n [ ${rows.join("\n")} ]\n [ ${fmt(raw.psi)} ]\n</Plda>\n`;
  const parsed = parseKaldiPlda(new TextEncoder().encode(text), "plda.txt");
  assert(maxAbsDiff(parsed.transform, raw.transform) === 0 && maxAbsDiff(parsed.psi, raw.psi) === 0);
});

Deno.test("npz / kaldi readers: compressed npz, Fortran order, corrupt files name the file", async () => {
  // np.savez_compressed(a=np.arange(6, dtype='<f4').reshape(2,3), b=np.asfortranarray(np.arange(6.).reshape(2,3)))
  const b64 = await Deno.readTextFile(new URL("./golden/npz_sample.b64", import.meta.url));
  const z = await parseNpz(Uint8Array.from(atob(b64.trim()), (c) => c.charCodeAt(0)), "sample.npz");
  assertEquals(z.get("a")!.shape, [2, 3]);
  assertEquals(Array.from(z.get("a")!.data), [0, 1, 2, 3, 4, 5]);
  assertEquals(Array.from(z.get("b")!.data), [0, 1, 2, 3, 4, 5]);
  assertThrows(() => parseNpy(new Uint8Array(20), "x.npy"), InputError, "x.npy: not a .npy file");
  // corrupt offsets/sizes pointing past the end: an InputError naming the archive, not a DataView RangeError
  const zip = Uint8Array.from(atob(b64.trim()), (c) => c.charCodeAt(0));
  const eocd = zip.length - 22, cd = new DataView(zip.buffer).getUint32(eocd + 16, true);
  const badDir = zip.slice();
  new DataView(badDir.buffer).setUint32(eocd + 16, zip.length - 2, true);
  await assertRejects(() => parseNpz(badDir, "cut.npz"), InputError, "cut.npz: truncated or corrupt zip");
  const badSize = zip.slice();
  new DataView(badSize.buffer).setUint32(cd + 20, zip.length, true); // entry 0's compressed size
  await assertRejects(() => parseNpz(badSize, "size.npz"), InputError, "size.npz: truncated or corrupt zip");
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/bad.npz`, new Uint8Array(100));
    await assertRejects(() => readNpz(`${dir}/bad.npz`), InputError, "bad.npz");
    await Deno.writeFile(
      `${dir}/plda`,
      new Uint8Array([0, 0x42, ...new TextEncoder().encode("<Plda> DV "), 4, 10, 0, 0, 0]),
    );
    await assertRejects(() => readKaldiPlda(`${dir}/plda`), InputError, "truncated");
    await Deno.writeFile(
      `${dir}/plda2`,
      new Uint8Array([0, 0x42, ...new TextEncoder().encode("<Plda> DV "), 4, 10]),
    );
    await assertRejects(() => readKaldiPlda(`${dir}/plda2`), InputError, "plda2: truncated");
    await assertRejects(
      () => registry.create("adapter", "plda", { kaldi: `${dir}/missing` }),
      PluginError,
      "missing",
    );
  });
  await assertRejects(
    () => registry.create("adapter", "plda", { kaldi: "a", pyannote: "b" }),
    ConfigError,
    "not both",
  );
  const a: Adapter = await registry.create("adapter", "plda", {});
  assertThrows(() => a.transform(PROBE), PluginError, "call fit()");
});
