// Loss plugins through the registry: values and gradients against the independent PyTorch
// implementations in tests/golden/gen_losses.py (losses.json), finite-difference checks, bad input.
import assert, { rejects, throws } from "#std/assert";
import { registry } from "../plugins/mod.ts";
import { gradCheck, param, type Tensor } from "../core/autodiff/mod.ts";
import type { Loss, LossInput } from "../core/contracts/mod.ts";
import { golden, maxAbsDiff } from "./helpers.ts";

interface Golden {
  B: number;
  D: number;
  C: number;
  inputs: Record<string, number[]> & { hidden: number };
  cases: Record<string, { loss: number; grads: Record<string, number[]> }>;
}
const G = golden<Golden>("losses.json");
const { B, D, C } = G;
const I = G.inputs;
const t = (data: number[], shape: number[], scale = 1) =>
  param(Float32Array.from(data, (v) => v * scale), shape);
const i32 = (a: number[]) => Int32Array.from(a);

interface Case {
  golden: string;
  loss: string;
  options: Record<string, unknown>;
  /** Builds the input; `tensors` maps golden gradient names to the tensors that receive them. */
  build(l: Loss): { input: LossInput; tensors: Record<string, Tensor> };
}

function withWeights(l: Loss, ...data: number[][]): Tensor[] {
  const ps = l.parameters();
  data.forEach((d, k) => ps[k].data.set(d));
  return ps;
}

const classCase = (golden: string, loss: string, options: Record<string, unknown>, w = "W"): Case => ({
  golden,
  loss,
  options: { dim: D, numClasses: C, ...options },
  build(l) {
    const x = t(I.emb, [B, D]);
    const ps = withWeights(l, I[w], ...(loss === "softmax" ? [I.bias] : []));
    const tensors: Record<string, Tensor> = { x, w: ps[0] };
    if (loss === "softmax") tensors.b = ps[1];
    return { input: { embeddings: x, labels: i32(I.labels) }, tensors };
  },
});

const pairCase = (
  golden: string,
  loss: string,
  options: Record<string, unknown>,
  names: [string, string],
  scale = 1,
): Case => ({
  golden,
  loss,
  options,
  build() {
    const a = t(I.emb, [B, D], scale), p = t(I.pos, [B, D], scale);
    return {
      input: { embeddings: a, positives: p, labels: i32(I.pairLabels) },
      tensors: { [names[0]]: a, [names[1]]: p },
    };
  },
});

const CASES: Case[] = [
  classCase("softmax", "softmax", { bias: true }),
  classCase("am-softmax", "am-softmax", { scale: 32, margin: 0.2 }),
  classCase("aam-softmax", "aam-softmax", { scale: 32, margin: 0.2 }),
  classCase("aam-softmax-easy", "aam-softmax", { scale: 32, margin: 0.2, easyMargin: true }),
  classCase("aam-softmax-subcenter2", "aam-softmax", { scale: 32, margin: 0.2, subCenters: 2 }, "Wsub"),
  classCase("real-am-softmax-exp", "real-am-softmax", { scale: 32, margin: 0.2, variant: "exp" }),
  classCase("real-am-softmax-relu", "real-am-softmax", { scale: 32, margin: 0.2, variant: "relu" }),
  pairCase("contrastive", "contrastive", { margin: 1 }, ["a", "p"], 0.3),
  pairCase("mnrl", "mnrl", {}, ["a", "p"]),
  pairCase("mnrl-symmetric", "mnrl", { symmetric: true }, ["a", "p"]),
  pairCase("matryoshka-mnrl", "matryoshka", { inner: "mnrl", dims: [5, 3], weights: [1, 0.5] }, ["a", "p"]),
  pairCase("lang-invariant-within", "lang-invariant-mse", { form: "within-sample" }, ["a", "p"]),
  pairCase("reconstruction-mse", "reconstruction-mse", {}, ["x", "r"]),
  {
    golden: "mnrl-hard",
    loss: "mnrl",
    options: {},
    build() {
      const a = t(I.emb, [B, D]), p = t(I.pos, [B, D]), n = t(I.hard, [3, D]);
      return { input: { embeddings: a, positives: p, extra: { hardNegatives: n } }, tensors: { a, p, n } };
    },
  },
  ...(["batch-hard", "semi-hard"] as const).map((mining): Case => ({
    golden: `triplet-${mining}`,
    loss: "triplet",
    options: { margin: 0.3, mining },
    build() {
      const x = t(I.emb, [B, D], 0.3);
      return { input: { embeddings: x, labels: i32(I.tripletLabels) }, tensors: { x } };
    },
  })),
  {
    golden: "lang-invariant-batch",
    loss: "lang-invariant-mse",
    options: { form: "batch-language" },
    build() {
      const x = t(I.emb, [B, D]);
      return { input: { embeddings: x, extra: { languages: i32(I.languages) } }, tensors: { x } };
    },
  },
  {
    golden: "ckm",
    loss: "ckm",
    options: { dim: D, k: 3, tau: 0.5, gumbel: false },
    build(l) {
      const z = t(I.emb, [B, D]);
      const [mu] = withWeights(l, I.centroids);
      return { input: { embeddings: z }, tensors: { z, mu } };
    },
  },
  {
    golden: "kshot-rbf",
    loss: "kshot-rbf",
    options: { dim: D, numClasses: C, gamma: 0.5 },
    build(l) {
      const z = t(I.emb, [B, D]);
      const [c] = withWeights(l, I.rbf);
      return { input: { embeddings: z, labels: i32(I.labels) }, tensors: { z, c } };
    },
  },
  {
    golden: "domain-adversarial",
    loss: "domain-adversarial",
    options: { dim: D, numDomains: 2, hidden: G.inputs.hidden, lambda: 0.7 },
    build(l) {
      const x = t(I.emb, [B, D]);
      const [w1, b1, w2, b2] = withWeights(l, I.dw1, I.db1, I.dw2, I.db2);
      return { input: { embeddings: x, extra: { domains: i32(I.domains) } }, tensors: { x, w1, b1, w2, b2 } };
    },
  },
];

for (const c of CASES) {
  Deno.test(`loss ${c.golden}: value and gradients match PyTorch (registry '${c.loss}')`, async () => {
    const l = await registry.create("loss", c.loss, c.options);
    const { input, tensors } = c.build(l);
    const ref = G.cases[c.golden];
    const out = l.forward(input);
    assert(out.shape.length === 0 || out.size === 1, "scalar loss");
    const v = out.item();
    assert(
      Math.abs(v - ref.loss) <= 2e-5 * Math.max(1, Math.abs(ref.loss)),
      `${c.golden}: loss ${v} vs torch ${ref.loss}`,
    );
    out.backward();
    for (const [name, g] of Object.entries(ref.grads)) {
      const mine = tensors[name].grad ?? new Float32Array(g.length);
      const scale = Math.max(1e-3, ...g.map(Math.abs));
      const err = maxAbsDiff(mine, g) / scale;
      assert(err < 2e-4, `${c.golden}: d/d${name} relative error ${err}`);
    }
  });
}

Deno.test("every loss passes a finite-difference gradient check", async () => {
  for (const c of CASES) {
    const l = await registry.create("loss", c.loss, c.options);
    const { input, tensors } = c.build(l);
    // keep the step inside each piece of the piecewise losses (relu/mining kinks)
    // the gradient reversal layer makes d/dx deliberately -lambda times the true derivative (checked
    // against torch above), so finite differences apply to the classifier parameters only
    const inputs = Object.entries(tensors).filter(([k]) => !(c.loss === "domain-adversarial" && k === "x"))
      .map(([, v]) => v);
    const r = gradCheck(() => l.forward(input), inputs, { eps: 1e-3, maxPerInput: 12 });
    assert(r.maxRelError < 2e-2, `${c.golden}: FD rel error ${r.maxRelError} ${JSON.stringify(r.worst)}`);
  }
});

Deno.test("matryoshka over a classification loss creates one inner loss per prefix through the registry", async () => {
  const l = await registry.create("loss", "matryoshka", {
    inner: "aam-softmax",
    innerOptions: { numClasses: C },
    dims: [5, 2],
  });
  const ps = l.parameters();
  assert(ps.length === 2 && ps[0].shape[1] === 5 && ps[1].shape[1] === 2, "per-dim class weights");
  const x = t(I.emb, [B, D]);
  const r = gradCheck(() => l.forward({ embeddings: x, labels: i32(I.labels) }), [x, ...ps], {
    eps: 1e-3,
    maxPerInput: 10,
  });
  assert(r.maxRelError < 2e-2, `matryoshka(aam) FD ${r.maxRelError}`);
});

Deno.test("ckm with Gumbel noise is seeded and differentiable", async () => {
  const mk = () => registry.create("loss", "ckm", { dim: D, k: 3, seed: 5 });
  const [a, b] = [await mk(), await mk()];
  const x = t(I.emb, [B, D]);
  assert(
    a.forward({ embeddings: x }).item() === b.forward({ embeddings: x }).item(),
    "same seed, same noise",
  );
});

Deno.test("losses reject bad input with messages that name the problem", async () => {
  const aam = await registry.create("loss", "aam-softmax", { dim: D, numClasses: C });
  const x = t(I.emb, [B, D]);
  throws(() => aam.forward({ embeddings: x }), /needs 'labels'/);
  throws(
    () => aam.forward({ embeddings: x, labels: i32([0, 1, 2, 9, 0, 1]) }),
    /label 9 at row 3 is outside 0..3/,
  );
  throws(
    () => aam.forward({ embeddings: t(I.emb.slice(0, 24), [6, 4]), labels: i32(I.labels) }),
    /dim 4.*dim 5/,
  );
  const mnrl = await registry.create("loss", "mnrl", {});
  throws(() => mnrl.forward({ embeddings: x }), /needs 'positives'/);
  const tri = await registry.create("loss", "triplet", {});
  throws(
    () => tri.forward({ embeddings: x, labels: i32([0, 1, 2, 3, 4, 5]) }),
    /no \(anchor, positive, negative\)/,
  );
  await rejects(() => registry.create("loss", "aam-softmax", { margin: -1 }), /'margin' must be in/);
  await rejects(
    () => registry.create("loss", "real-am-softmax", { variant: "softplus" }),
    /'variant' must be one of exp, relu/,
  );
  await rejects(() => registry.create("loss", "matryoshka", { inner: "nope" }), /unknown loss 'nope'/);
  await rejects(() => registry.create("loss", "aam-sofmax", {}), /did you mean 'aam-softmax'/);
});

Deno.test("boolean options given as strings are refused by validate() (losses, clusterers, backbones, adapters)", async () => {
  // Before: ckm gumbel, mnrl symmetric, softmax bias, finch verbose, fbank-stats cmn/logStd, text
  // allowRemote/normalize and coral center accepted "false" — a truthy string — and acted as true.
  const adapters = ["coral", "lang-invariant", "ckm-adapt", "pseudo-label"];
  let checked = 0;
  for (const kind of ["loss", "clusterer", "backbone", "adapter"] as const) {
    for (const { def } of registry.list(kind)) {
      if (kind === "adapter" && !adapters.includes(def.name)) continue;
      for (const [k, v] of Object.entries(def.defaults as Record<string, unknown>)) {
        if (typeof v !== "boolean") continue;
        checked++;
        await rejects(
          () => registry.create(kind, def.name, { [k]: "false" }),
          (e: Error) => e.name === "ConfigError" && e.message.includes(`'${k}'`),
          `${kind} '${def.name}' option '${k}'`,
        );
      }
    }
  }
  assert(checked >= 13, `${checked} boolean options checked`);
});

Deno.test("lang-invariant-mse: language ids other than 0/1 are refused, not merged into language 1", async () => {
  const l = await registry.create("loss", "lang-invariant-mse", { form: "batch-language" });
  const x = param(Float32Array.from({ length: 8 }, (_, i) => i), [4, 2]);
  assert(
    Number.isFinite(l.forward({ embeddings: x, extra: { languages: Int32Array.of(0, 1, 0, 1) } }).data[0]),
  );
  throws(
    () => l.forward({ embeddings: x, extra: { languages: Int32Array.of(0, 1, 2, 1) } }),
    /extra.languages must be 0 or 1; row 2 has 2/,
  );
});
