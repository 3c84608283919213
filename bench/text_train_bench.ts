/**
 * Bench: training throughput (pairs/s: forward + backward + AdamW step) of the static text model,
 * EmbeddingBag(mean) [V, D] + MatryoshkaLoss(MNRL with one hard negative per pair, dims D/256/128/64)
 * through the registry, against PyTorch on 1 thread (bench/text_train_bench.py, Debian /usr/bin/python3)
 * on the same synthetic batch. The two sides run in alternating rounds (the PyTorch process stays up
 * and runs one round per request) so that paired rounds see the same load on a shared machine; prints
 * the best round of each side, the ratio of the bests and the median per-round ratio (torch / ours).
 *
 *   deno run --allow-read --allow-run --allow-env bench/text_train_bench.ts [--rounds 5] [--small]
 * @module
 */
import { registry } from "../plugins/mod.ts";
import { StaticEmbedding } from "../core/text/model.ts";
import { AdamW } from "../core/nn/optim.ts";
import { startTorchServer } from "./torch_server.ts";

const small = Deno.args.includes("--small");
const ri = Deno.args.indexOf("--rounds");
const ROUNDS = ri >= 0 ? Number(Deno.args[ri + 1]) : 5;
const V = 8000, D = 384, B = small ? 256 : 1024, LA = 8, LP = 96, STEPS = small ? 2 : 4;
const DIMS = [D, 256, 128, 64].filter((d) => d <= D);

const ids = (n: number, len: number, base: number) =>
  Array.from(
    { length: n },
    (_, i) => Array.from({ length: len }, (_, t) => ((base + i) * 7919 + t * 104729 + 13) % V),
  );

const init = new Float32Array(V * D).map((_, i) => Math.sin(i) * 0.1);
const model = new StaticEmbedding(V, D, init);
const loss = await registry.create("loss", "matryoshka", {
  inner: "mnrl",
  innerOptions: { scale: 20 },
  dims: DIMS,
});
const opt = new AdamW(model.parameters(), { lr: 0.1, weightDecay: 0 });
const A = ids(B, LA, 0), P = ids(B, LP, B), N = ids(B, LP, 2 * B);
const step = () => {
  opt.zeroGrad();
  const l = loss.forward({
    embeddings: model.embedIds(A),
    positives: model.embedIds(P),
    extra: { hardNegatives: model.embedIds(N) },
  });
  l.backward();
  opt.step();
};
const ours = () => {
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) step();
  return (STEPS * B) / ((performance.now() - t0) / 1000);
};
for (let i = 0; i < 2; i++) step();

const server = startTorchServer("text_train_bench.py", [V, D, B, LA, LP].map(String), "inherit");
const version = (await server.reply()).ready;
const torch = async () => {
  await server.send(`static ${STEPS}`);
  return (await server.reply()).sps as number;
};
const mine: number[] = [], theirs: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  if (r % 2) {
    mine.push(ours());
    theirs.push(await torch());
  } else {
    theirs.push(await torch());
    mine.push(ours());
  }
}
await server.end();
await server.child.status;
const ratios = mine.map((m, i) => theirs[i] / m).sort((a, b) => a - b);
const best = (xs: number[]) => Math.max(...xs);
console.log(JSON.stringify({
  workload:
    `static V=${V} D=${D} batch ${B} (anchor ${LA}, positive/negative ${LP} tokens), Matryoshka MNRL ${DIMS}`,
  torch: version,
  ours_pairs_per_s: Math.round(best(mine)),
  torch_pairs_per_s: Math.round(best(theirs)),
  ratio_of_bests: +(best(theirs) / best(mine)).toFixed(2),
  median_round_ratio: +ratios[Math.floor(ratios.length / 2)].toFixed(2),
}));
