/**
 * The `vbx` clusterer (core/cluster/vbx.ts, core/cluster/vbx_backend.ts, plugins/clusterers/vbx.ts)
 * against an independent numpy/scipy/h5py implementation (tests/golden/gen_vbx.py) and against BUT's
 * own VBx output on AMI ES2005a (DER 7.06 % at collar 0.25, overlap ignored, in the VBx README).
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { golden, maxAbsDiff, needsShared, shared, withTempDir } from "./helpers.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import type { Clusterer } from "../core/contracts/mod.ts";
import type { Metric } from "../core/contracts/scorer.ts";
import { argmaxLabels, vbxAhcInit, vbxHmm } from "../core/cluster/vbx.ts";
import { applyVbxBackend, loadVbxBackend } from "../core/cluster/vbx_backend.ts";
import { arkVectorsToMatrix, readArk } from "../core/io/kaldi_ark.ts";
import { parseH5, readH5 } from "../core/io/h5.ts";
import { diarize } from "../core/pipelines/diarize.ts";
import { readRttm } from "../core/diarization/rttm.ts";
import { ConfigError, InputError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const G = golden<Any>("vbx.json");
const VBX = () => shared("vbx-es2005a");
const MODEL = () => shared("vbx-es2005a", "VBx", "models", "ResNet101_16kHz");

/** Labels renamed 0, 1, ... in order of first appearance. */
function canon(l: ArrayLike<number>): number[] {
  const m = new Map<number, number>();
  return Array.from(l, (v) => {
    if (!m.has(v)) m.set(v, m.size);
    return m.get(v)!;
  });
}

function relElboDiff(a: number[], b: number[]): number {
  assertEquals(a.length, b.length, "iteration counts");
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.abs(b[i])));
}

for (const key of ["synthetic_hmm", "synthetic_gmm"]) {
  Deno.test(`vbx VB-HMM: ${key} matches the numpy reference per iteration`, () => {
    const s = G[key];
    const o = { Fa: s.Fa, Fb: s.Fb, loopProb: s.loopProb, maxIters: s.maxIters, epsilon: s.epsilon };
    const x = Float64Array.from(s.x), phi = Float64Array.from(s.phi), g0 = Float64Array.from(s.gammaInit);
    const r = vbxHmm(x, s.T, s.D, phi, g0, s.S, o);
    // the GMM reference is pyannote's VB-GMM update; our loopProb 0 HMM equals it up to the 1e-8 eps
    // inside log(pi + eps), which VBx applies to the transitions but not to the prior update (24)
    const tol = s.loopProb === 0 ? 1e-7 : 1e-10;
    const rel = relElboDiff(r.elbo, s.elbo);
    assert(rel < tol, `ELBO per iteration: max relative diff ${rel}`);
    assert(
      maxAbsDiff(r.gamma, s.gamma) < tol * 100,
      `final responsibilities ${maxAbsDiff(r.gamma, s.gamma)}`,
    );
    assert(maxAbsDiff(r.pi, s.pi) < tol * 100, `speaker priors ${maxAbsDiff(r.pi, s.pi)}`);
    assertEquals(canon(argmaxLabels(r.gamma, s.T, s.S)), s.labels);
    const one = vbxHmm(x, s.T, s.D, phi, g0, s.S, { ...o, maxIters: 1 });
    assert(maxAbsDiff(one.gamma, s.gammaIter1) < tol * 10, "responsibilities after iteration 1");
    // the ELBO never decreases (VB guarantees it; a sign or index slip usually breaks it)
    for (let i = 1; i < r.elbo.length; i++) assert(r.elbo[i] >= r.elbo[i - 1] - 1e-9, `ELBO fell at ${i}`);
  });
}

Deno.test(needsShared("vbx on ES2005a: back-end, AHC init and VB-HMM match numpy/scipy/h5py"), async () => {
  const e = G.es2005a;
  const x = arkVectorsToMatrix(readArk(`${VBX()}/exp/ES2005a.ark`)).matrix;
  assertEquals(x.rows, e.n);
  const be = await loadVbxBackend(MODEL());
  assertEquals([be.flavour, be.inDim, be.ldaDim], ["vbx", 256, 128]);
  // Kaldi tr rows sorted by psi == scipy eigh(B, W) reversed (up to sign)
  assert(maxAbsDiff(be.phi, e.phi) / Math.max(...e.phi) < 1e-9, "Phi");
  const f = applyVbxBackend(be, x, 128, "unit");
  const rows: number[] = e.feaAbsRows;
  const lda = rows.flatMap((r) => Array.from(f.lda.subarray(r * 128, (r + 1) * 128)));
  const fea = rows.flatMap((r) => Array.from(f.plda.subarray(r * 128, (r + 1) * 128), Math.abs));
  assert(maxAbsDiff(lda, e.ldaRows) < 1e-9, `LDA-space rows ${maxAbsDiff(lda, e.ldaRows)}`);
  assert(maxAbsDiff(fea, e.feaAbs) < 1e-7, `PLDA-space |rows| ${maxAbsDiff(fea, e.feaAbs)}`);
  const init = vbxAhcInit(f.lda, x.rows, 128, -0.015);
  assertAlmostEquals(init.calibratedThreshold, e.calibratedThreshold, 1e-9);
  assertEquals(canon(init.labels), e.initLabels, "AHC initialisation (scipy average linkage + fcluster)");
  const S = e.initClusters;
  const g0 = new Float64Array(x.rows * S);
  const on = Math.exp(5), z = on + S - 1;
  init.labels.forEach((l, t) => {
    for (let s = 0; s < S; s++) g0[t * S + s] = (s === l ? on : 1) / z;
  });
  const r = vbxHmm(f.plda, x.rows, 128, f.phi, g0, S, {
    Fa: 0.3,
    Fb: 17,
    loopProb: 0.99,
    maxIters: 40,
    epsilon: 1e-6,
  });
  const rel = relElboDiff(r.elbo, e.elbo);
  assert(rel < 1e-9, `ELBO per iteration: max relative diff ${rel}`);
  const gRows = rows.flatMap((t) => Array.from(r.gamma.subarray(t * S, (t + 1) * S)));
  assert(maxAbsDiff(gRows, e.gammaRows) < 1e-4, `responsibilities ${maxAbsDiff(gRows, e.gammaRows)}`);
  assert(maxAbsDiff(r.pi, e.pi) < 1e-8, `speaker priors ${maxAbsDiff(r.pi, e.pi)}`);
  assertEquals(canon(argmaxLabels(r.gamma, x.rows, S)), e.labels, "final labels");
});

Deno.test(
  needsShared("vbx on ES2005a through the registry and diarize: VBx's own DER and RTTM"),
  async () => {
    const ref = `${VBX()}/example/rttm/ES2005a.rttm`;
    const r = await diarize({
      embeddings: { ark: `${VBX()}/exp/ES2005a.ark`, segments: `${VBX()}/exp/ES2005a.seg` },
      reference: ref,
      center: false, // VBx's back-end expects the raw x-vectors
      clusterers: [{ name: "vbx", options: { backend: MODEL() } }],
      quiet: true,
    });
    const s = r.systems[0];
    // BUT's VBx output (exp/ES2005a.rttm) scores 7.0634 % with our scorer (7.06 % in the VBx README);
    // the port reproduces the same partition, so the bound is that value to scoring precision
    const der = await registry.create("scorer", "der", { collar: 0.25, skipOverlap: true }) as Metric;
    const vbxOut = await readRttm(`${VBX()}/exp/ES2005a.rttm`);
    const own = der.compute({ reference: await readRttm(ref), hypothesis: vbxOut }).der;
    assertAlmostEquals(own, 7.0634, 1e-3);
    assertAlmostEquals(s.metrics["DER %"], own, 1e-6);
    assertEquals(s.extra.inputLooksCentred, false);
    assertEquals(s.extra.speakersFound, new Set(vbxOut.map((t) => t.speaker)).size);
    assertEquals([s.extra.initClusters, s.extra.iterations], [G.es2005a.initClusters, G.es2005a.iterations]);
    // turn for turn the same RTTM as VBx's, up to speaker names
    assertEquals(s.turns.length, vbxOut.length);
    const map = new Map<string, string>();
    s.turns.forEach((t, i) => {
      const o = vbxOut[i];
      assertAlmostEquals(t.onset, o.onset, 1e-3);
      assertAlmostEquals(t.duration, o.duration, 1e-3);
      if (!map.has(t.speaker)) map.set(t.speaker, o.speaker);
      assertEquals(map.get(t.speaker), o.speaker, `turn ${i}`);
    });
    // an oracle count cuts the AHC initialisation there; VBx may still drop speakers
    const c = await registry.create("clusterer", "vbx", { backend: MODEL() }) as Clusterer;
    const x = arkVectorsToMatrix(readArk(`${VBX()}/exp/ES2005a.ark`)).matrix;
    const four = await c.cluster(x, { numClusters: 4 });
    assertEquals(four.extra!.initClusters, 4);
    assert(four.numClusters <= 4 && four.numClusters >= 1);
  },
);

Deno.test(needsShared("vbx: pyannote back-end folder loads; bad inputs give clear errors"), async () => {
  const py = await loadVbxBackend(shared("pyannote-plda", "plda"));
  assertEquals([py.flavour, py.inDim, py.ldaDim], ["pyannote", 256, 128]);
  for (let i = 1; i < py.phi.length; i++) assert(py.phi[i] <= py.phi[i - 1], "Phi sorted descending");
  const t = await readH5(`${MODEL()}/transform.h5`, ["lda"]);
  assertEquals(t.get("lda")!.shape, [256, 128]);
  await assertRejects(
    () => readH5(`${MODEL()}/transform.h5`, ["nope"]),
    InputError,
    "holds: lda, mean1, mean2",
  );
  assertThrows(() => parseH5(new TextEncoder().encode("not hdf5 at all"), "x.h5"), InputError, "not an HDF5");
  await assertRejects(() => registry.create("clusterer", "vbx", {}), ConfigError, "'backend' is required");
  await withTempDir(async (dir) => {
    await assertRejects(() => registry.create("clusterer", "vbx", { backend: dir }), ConfigError, "neither");
  });
  await assertRejects(() => registry.create("clusterer", "vbx", { loopProb: 1.5 }), ConfigError, "loopProb");
  const c = await registry.create("clusterer", "vbx", { backend: MODEL() }) as Clusterer;
  const bad: Matrix = { rows: 2, cols: 3, data: new Float32Array(6).fill(1) };
  await assertRejects(async () => await c.cluster(bad), Error, "expects 256");
  const none = await c.cluster({ rows: 0, cols: 256, data: new Float32Array(0) });
  assertEquals(none.labels.length, 0);
  const one = await c.cluster({ rows: 1, cols: 256, data: new Float32Array(256).fill(0.1) });
  assertEquals([one.numClusters, one.labels[0]], [1, 0]);
});
