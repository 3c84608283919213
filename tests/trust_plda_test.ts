/**
 * Issue 17, item 5: PLDA EM from identity matrices (Kaldi / WeSpeaker) as well as from moments, trained
 * only on speakers with several utterances, through the registry, against the independent numpy EM of
 * tests/golden/gen_plda_em.py (llrs from full Gaussians in the original space, psi from scipy eigh).
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import "../plugins/mod.ts";
import { registry } from "../core/registry.ts";
import { matrix } from "../core/matrix.ts";
import { golden } from "./helpers.ts";
import type { PldaAdapter } from "../plugins/adapters/plda.ts";
import { ConfigError } from "../core/errors.ts";

interface Case {
  init: "identity" | "moments";
  iterations: number;
  mean: number[];
  psi: number[];
  llr_3x4: number[][];
}
const G = golden<{
  dim: number;
  x: number[];
  labels: number[];
  probe: number[];
  speakers: number;
  singletons: number;
  cases: Case[];
}>("plda_em.json");
const X = matrix(G.labels.length, G.dim, G.x);
const LABELS = Int32Array.from(G.labels);
const ENROLL = matrix(3, G.dim, G.probe.slice(0, 3 * G.dim));
const TEST = matrix(4, G.dim, G.probe.slice(3 * G.dim));

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

for (const c of G.cases) {
  Deno.test(`plda EM from ${c.init}, ${c.iterations} iteration(s): psi, mean and llrs match numpy`, async () => {
    const p = await registry.create("adapter", "plda", {
      init: c.init,
      iterations: c.iterations,
    }) as PldaAdapter;
    await p.fit({ x: X, labels: LABELS });
    const m = p.model()!.plda;
    const dPsi = maxRelDiff(m.psi, c.psi), dMean = maxRelDiff(m.mean, c.mean);
    const dLlr = maxRelDiff(p.score!(ENROLL, TEST), c.llr_3x4.flat());
    console.log(
      `plda ${c.init} x${c.iterations}: psi ${dPsi.toExponential(1)}, llr ${dLlr.toExponential(1)}`,
    );
    assert(dPsi < 1e-8, `psi ${m.psi} vs ${c.psi}`);
    assert(dMean < 1e-9, `mean ${m.mean} vs ${c.mean}`);
    assert(dLlr < 1e-5, `llr max rel diff ${dLlr}`); // llrs come back as float32
    const st = p.state!() as { speakers: { used: number; dropped: number }; init: string };
    assertEquals(st.speakers, { used: G.speakers - G.singletons, dropped: G.singletons });
    assertEquals(st.init, c.init);
  });
}

Deno.test("plda: identity and moment starts converge to the same model; a singleton changes nothing", async () => {
  const id = G.cases.find((c) => c.init === "identity" && c.iterations === 20)!;
  const mo = G.cases.find((c) => c.init === "moments" && c.iterations === 20)!;
  assert(maxRelDiff(id.psi.slice(0, 4), mo.psi.slice(0, 4)) < 1e-3); // the oracle itself
  // adding a speaker with one utterance does not move the trained model
  const extra = matrix(X.rows + 1, G.dim, [...X.data, ...G.probe.slice(0, G.dim)]);
  const lab = Int32Array.from([...LABELS, 99999]);
  const a = await registry.create("adapter", "plda", { iterations: 3 }) as PldaAdapter;
  const b = await registry.create("adapter", "plda", { iterations: 3 }) as PldaAdapter;
  await a.fit({ x: X, labels: LABELS });
  await b.fit({ x: extra, labels: lab });
  assertEquals(Array.from(a.model()!.plda.psi), Array.from(b.model()!.plda.psi));
});

Deno.test("plda: refuses data without repeated speakers, and identity without EM", async () => {
  const p = await registry.create("adapter", "plda", {});
  await assertRejects(
    async () => await p.fit({ x: matrix(3, 2, [1, 2, 3, 4, 5, 7]), labels: Int32Array.from([1, 2, 3]) }),
    RangeError,
    "needs at least 2 speakers with >= 2 utterances",
  );
  await assertRejects(
    () => registry.create("adapter", "plda", { init: "identity", iterations: 0 }),
    ConfigError,
    "iterations >= 1",
  );
  await assertRejects(() => registry.create("adapter", "plda", { init: "ones" }), ConfigError, "init");
});
