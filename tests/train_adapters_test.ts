// Training-based adapters through the registry: CORAL against NumPy/SciPy, lang-invariant head,
// CKM (unsupervised and k-shot), pseudo-labelling with the elbow-chosen K.
import assert, { deepEqual, rejects } from "#std/assert";
import { registry } from "../plugins/mod.ts";
import type { Matrix } from "../core/matrix.ts";
import { StatefulRng } from "../core/nn/rng.ts";
import { golden, maxAbsDiff } from "./helpers.ts";

/** n rows per class around random class means (spread `sep`), plus optional per-row offsets. */
function blobs(classes: number, per: number, dim: number, sep: number, seed: number, noise = 0.3) {
  const r = new StatefulRng(seed);
  const means = Array.from(
    { length: classes },
    () => Float64Array.from({ length: dim }, () => r.normal() * sep),
  );
  const x = new Float32Array(classes * per * dim), y = new Int32Array(classes * per);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < per; i++) {
      const row = c * per + i;
      y[row] = c;
      for (let d = 0; d < dim; d++) x[row * dim + d] = means[c][d] + noise * r.normal();
    }
  }
  return { x: { rows: classes * per, cols: dim, data: x } as Matrix, y };
}

/** Fraction of rows whose cluster's majority true label equals their own. */
function purity(pred: Int32Array, truth: Int32Array): number {
  const byCluster = new Map<number, Map<number, number>>();
  pred.forEach((p, i) => {
    const m = byCluster.get(p) ?? new Map();
    m.set(truth[i], (m.get(truth[i]) ?? 0) + 1);
    byCluster.set(p, m);
  });
  let ok = 0;
  for (const m of byCluster.values()) ok += Math.max(...m.values());
  return ok / pred.length;
}

Deno.test("coral matches NumPy/SciPy (fractional_matrix_power) centred and plain", async () => {
  const g = golden<
    { d: number; source: number[]; target: number[]; probe: number[]; centered: number[]; plain: number[] }
  >("coral.json");
  const m = (a: number[]): Matrix => ({ rows: a.length / g.d, cols: g.d, data: Float32Array.from(a) });
  for (const center of [true, false]) {
    const ad = await registry.create("adapter", "coral", { center });
    await ad.fit({ x: m(g.source) }, { x: m(g.target) });
    const out = ad.transform(m(g.probe));
    const ref = center ? g.centered : g.plain;
    const err = maxAbsDiff(out.data, ref) / Math.max(...ref.map(Math.abs));
    assert(err < 1e-5, `coral center=${center}: relative error ${err}`);
  }
  const ad = await registry.create("adapter", "coral", {});
  await rejects(async () => await ad.fit({ x: m(g.source) }), /needs the target/);
});

Deno.test("lang-invariant head shrinks the language gap and keeps speakers apart", async () => {
  const spk = 6, per = 12, dim = 12;
  const { x, y } = blobs(spk, 2 * per, dim, 1.5, 3, 0.3);
  const langs = Int32Array.from(y, (_, i) => (i % 2));
  const shift = new StatefulRng(9);
  const dir = Float64Array.from({ length: dim }, () => shift.normal());
  for (let i = 0; i < x.rows; i++) {
    if (langs[i]) { for (let d = 0; d < dim; d++) x.data[i * dim + d] += 1.2 * dir[d]; }
  }
  const gap = (m: Matrix) => {
    const mu = [new Float64Array(m.cols), new Float64Array(m.cols)];
    for (let i = 0; i < m.rows; i++) {
      for (let d = 0; d < m.cols; d++) mu[langs[i]][d] += m.data[i * m.cols + d] / (m.rows / 2);
    }
    let g = 0, tot = 0;
    const all = mu[0].map((v, d) => (v + mu[1][d]) / 2);
    for (let d = 0; d < m.cols; d++) g += (mu[0][d] - mu[1][d]) ** 2;
    for (let i = 0; i < m.rows; i++) {
      for (let d = 0; d < m.cols; d++) tot += (m.data[i * m.cols + d] - all[d]) ** 2 / m.rows;
    }
    return Math.sqrt(g / tot);
  };
  const ad = await registry.create("adapter", "lang-invariant", {
    epochs: 25,
    batchSize: 36,
    weight: 10,
    lossOptions: { scale: 16, margin: 0.2 },
  });
  await ad.fit({ x, labels: y, domains: langs });
  const out = ad.transform(x);
  const before = gap(x), after = gap(out);
  assert(after < before / 2, `language gap ${before.toFixed(3)} -> ${after.toFixed(3)}`);
  // speakers stay separable: nearest class mean (cosine) on the adapted embeddings
  const km = await registry.create("clusterer", "kmeans", { k: spk, metric: "cosine", seed: 1 });
  const p = purity((await km.cluster(out)).labels, y);
  assert(p > 0.9, `speaker purity after adaptation ${p}`);
  await rejects(async () => await ad.fit({ x, labels: y }), /needs 'domains'/);
  // before: a third language id (2) was silently merged with language 1
  const three = Int32Array.from(langs, (v, i) => (i === 5 ? 2 : v));
  await rejects(async () => await ad.fit({ x, labels: y, domains: three }), /row 5 has 2/);
});

Deno.test("ckm-adapt: unsupervised clusters the target; seeded runs agree; semi-supervised uses the shots", async () => {
  const { x, y } = blobs(4, 25, 16, 1.2, 5, 0.4);
  const opts = {
    k: 4,
    hidden: 32,
    bottleneck: 8,
    pretrainEpochs: 15,
    jointEpochs: 10,
    batchSize: 25,
    lr: 0.005,
    seed: 2,
  };
  const a = await registry.create("adapter", "ckm-adapt", opts);
  await a.fit({ x });
  const la = a.labels!();
  const p = purity(la, y);
  assert(p > 0.95, `ckm purity ${p}`);
  const st = a.state!() as { losses: Record<string, number[]> };
  const pre = st.losses["ckm-adapt pretrain"];
  assert(pre[pre.length - 1] < pre[0] * 0.5, `reconstruction fell: ${pre[0]} -> ${pre[pre.length - 1]}`);
  deepEqual(a.transform(x).cols, 8);
  const b = await registry.create("adapter", "ckm-adapt", opts);
  await b.fit({ x });
  deepEqual(Array.from(b.transform(x).data), Array.from(a.transform(x).data), "same seed, same result");
  const shots = Int32Array.from(y, (v, i) => (i % 25 < 2 ? v : -1));
  const s = await registry.create("adapter", "ckm-adapt", {
    ...opts,
    mode: "semi-supervised",
    jointEpochs: 5,
  });
  await s.fit({ x: { rows: 0, cols: 16, data: new Float32Array(0) } }, { x, labels: shots });
  const ss = s.state!() as { losses: Record<string, number[]> };
  assert(ss.losses["ckm-adapt joint"].length === 5);
  assert(purity(s.labels!(), y) > 0.95);
  await rejects(async () => await s.fit({ x }), /needs target 'labels'/);
});

Deno.test("pseudo-label: K by elbow, N nearest per centroid as new classes after the source classes", async () => {
  const src = blobs(3, 10, 8, 2, 11, 0.3);
  const tgt = blobs(4, 15, 8, 2.5, 12, 0.3);
  const ad = await registry.create("adapter", "pseudo-label", {
    kMin: 2,
    kMax: 8,
    keep: 6,
    epochs: 10,
    batchSize: 30,
    seed: 1,
  });
  await ad.fit({ x: src.x, labels: src.y }, { x: tgt.x });
  const st = ad.state!() as { chosenK: number; kept: number };
  assert(st.chosenK === 4, `chosen K ${st.chosenK}`);
  const pl = ad.labels!();
  assert(st.kept === 24 && pl.filter((v) => v >= 0).length === 24);
  const kept = [...pl.keys()].filter((i) => pl[i] >= 0);
  assert(kept.every((i) => pl[i] >= 3 && pl[i] < 7), "new classes follow the 3 source classes");
  assert(
    purity(Int32Array.from(kept, (i) => pl[i]), Int32Array.from(kept, (i) => tgt.y[i])) === 1,
    "kept rows are pure",
  );
  deepEqual(ad.transform(tgt.x).rows, tgt.x.rows);
});

Deno.test("pseudo-label with a seedless clusterer (ahc); too few target rows for kMin is a clear error", async () => {
  // Before: the adapter always passed `seed` to the clusterer, so 'ahc' failed with "unknown option 'seed'".
  const tgt = blobs(3, 8, 6, 3, 21, 0.2);
  const ad = await registry.create("adapter", "pseudo-label", {
    clusterer: "ahc",
    clustererOptions: { threshold: 0.5 },
    kMin: 2,
    kMax: 6,
    keep: 4,
    epochs: 2,
    batchSize: 12,
    seed: 1,
  });
  await ad.fit({ x: tgt.x });
  const st = ad.state!() as { chosenK: number; kept: number };
  assert(st.chosenK >= 2 && st.chosenK <= 6, `chosen K ${st.chosenK}`);
  // Before: a 1-row target reached the clusterer with minClusters 2 > maxClusters 1.
  const one: Matrix = { rows: 1, cols: 6, data: tgt.x.data.slice(0, 6) };
  await rejects(async () => await ad.fit({ x: one }), /1 target embeddings cannot form kMin=2 clusters/);
});

Deno.test("coral refuses a non-boolean 'center'; ckm-adapt refuses labels of the wrong length", async () => {
  // Before: center: "false" (a string) was accepted and, being truthy, centred.
  await rejects(
    () => registry.create("adapter", "coral", { center: "false" }),
    /'center' must be one of true, false/,
  );
  const { x, y } = blobs(2, 6, 4, 2, 3);
  const s = await registry.create("adapter", "ckm-adapt", {
    k: 2,
    mode: "semi-supervised",
    hidden: 4,
    bottleneck: 2,
    pretrainEpochs: 1,
    jointEpochs: 1,
    batchSize: 4,
  });
  // Before: a short label array was read past its end (undefined labels) without a word.
  await rejects(async () => await s.fit({ x, labels: y.slice(0, 5) }), /12 target embeddings but 5 labels/);
});
