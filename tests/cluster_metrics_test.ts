/**
 * Clustering metrics against scikit-learn golden values (tests/golden/cluster_metrics_golden.py run
 * with Debian's python3-sklearn), plus the `cluster-metrics` plugin through the registry.
 */
import { assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { golden } from "./helpers.ts";
import {
  adjustedRandIndex,
  clusterAccuracy,
  normalizedMutualInformation,
  purity,
} from "../core/cluster/agreement.ts";
import { registry } from "../core/registry.ts";
import type { Metric } from "../core/contracts/mod.ts";
import "../plugins/mod.ts";

interface Case {
  name: string;
  true: number[];
  pred: number[];
  ari: number;
  nmi: number;
  nmi_geometric: number;
  nmi_min: number;
  nmi_max: number;
  purity: number;
  accuracy: number;
}
const G = golden<{ sklearn: string; cases: Case[] }>("cluster_metrics.json");

Deno.test(`cluster metrics: ARI, NMI (4 normalisations), purity, accuracy vs sklearn ${G.sklearn}`, () => {
  assertEquals(G.cases.length >= 10, true);
  for (const c of G.cases) {
    assertAlmostEquals(adjustedRandIndex(c.true, c.pred), c.ari, 1e-12, `${c.name} ARI`);
    assertAlmostEquals(normalizedMutualInformation(c.true, c.pred), c.nmi, 1e-12, `${c.name} NMI`);
    assertAlmostEquals(
      normalizedMutualInformation(c.true, c.pred, "geometric"),
      c.nmi_geometric,
      1e-12,
      c.name,
    );
    assertAlmostEquals(normalizedMutualInformation(c.true, c.pred, "min"), c.nmi_min, 1e-12, c.name);
    assertAlmostEquals(normalizedMutualInformation(c.true, c.pred, "max"), c.nmi_max, 1e-12, c.name);
    assertAlmostEquals(purity(c.true, c.pred), c.purity, 1e-12, `${c.name} purity`);
    assertAlmostEquals(clusterAccuracy(c.true, c.pred), c.accuracy, 1e-12, `${c.name} accuracy`);
  }
});

Deno.test("cluster metrics: string labels equal their integer codes; length mismatch is an error", () => {
  const c = G.cases[0];
  const s = c.pred.map((k) => `spk-${k}-É`);
  assertAlmostEquals(adjustedRandIndex(c.true, s), c.ari, 1e-12);
  assertAlmostEquals(normalizedMutualInformation(c.true, s), c.nmi, 1e-12);
  assertThrows(() => adjustedRandIndex([0, 1], [0]), RangeError, "length");
});

Deno.test("cluster-metrics plugin through the registry", async () => {
  const m = await registry.create("scorer", "cluster-metrics", {}) as Metric;
  const c = G.cases[1];
  const out = m.compute({ labelsTrue: Int32Array.from(c.true), labelsPred: c.pred });
  assertAlmostEquals(out.ari, c.ari, 1e-12);
  assertAlmostEquals(out.nmi, c.nmi, 1e-12);
  assertAlmostEquals(out.purity, c.purity, 1e-12);
  assertAlmostEquals(out.accuracy, c.accuracy, 1e-12);
  const g = await registry.create("scorer", "cluster-metrics", { nmiAverage: "geometric" }) as Metric;
  assertAlmostEquals(g.compute({ labelsTrue: c.true, labelsPred: c.pred }).nmi, c.nmi_geometric, 1e-12);
  await assertRejects(
    () => registry.create("scorer", "cluster-metrics", { nmiAverage: "mean" }),
    Error,
    "nmiAverage",
  );
  assertThrows(() => m.compute({ labelsTrue: c.true }), Error, "labelsPred");
});
