/**
 * Trains the text model shipped as zoo `embedkit-text-debian` on ../shared/data/debian-descriptions
 * (train split; dev table after every epoch) and writes its model folder. Phase 2 moves this onto
 * `embedkit train --modality text`; until then:
 *
 *   nice -n 10 deno run -A bench/train_text_debian.ts [out-dir] [config.json] [--limit N]
 *
 * The config (core/text/train_config.ts) defaults to the shipped model's; the folder gets the config,
 * seed and per-epoch history in embedkit.json.
 * @module
 */
import { registry } from "../plugins/mod.ts";
import { readPairs } from "../core/text/pairs.ts";
import { createTextTraining, type TextTrainConfig } from "../core/text/train.ts";
import { formatCardTable } from "../core/text/evaluate.ts";

/** The shipped model's training config. */
export const DEBIAN_CONFIG: TextTrainConfig = {
  model: { kind: "static", vocabSize: 8000, dim: 256, init: "idf", initStd: 0.1 },
  loss: "matryoshka",
  lossOptions: { inner: "mnrl", innerOptions: { scale: 20 }, dims: [256, 128, 64] },
  epochs: 8,
  batchSize: 2048,
  lr: 0.075,
  warmupRatio: 0.1,
  hardNegatives: "bm25",
  hardNegativeTopK: 10,
  hardNegativeOutsideBatch: true, // run r14 of bench/text_debian_runs.results.json (the sweep's best at 256)
  groupColumn: "source",
  seed: 20240607,
};

if (import.meta.main) {
  const args = [...Deno.args];
  const li = args.indexOf("--limit");
  const limit = li >= 0 ? Number(args.splice(li, 2)[1]) : undefined;
  const out = args[0] ?? "out/text-debian";
  const config: TextTrainConfig = args[1]
    ? { ...DEBIAN_CONFIG, ...JSON.parse(await Deno.readTextFile(args[1])) }
    : DEBIAN_CONFIG;
  const data = new URL("../../shared/data/debian-descriptions/", import.meta.url).pathname;
  const train = await readPairs(`${data}train.jsonl.gz`, { limit });
  const dev = await readPairs(`${data}dev.jsonl.gz`, { limit: limit ? Math.ceil(limit / 8) : undefined });
  const t0 = performance.now();
  const job = await createTextTraining({ train, dev, config, registry, progress: true });
  console.error(`setup ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await job.trainer.fit();
  await job.exportFolder(out);
  const last = job.trainer.textHistory.at(-1)!;
  console.log(
    formatCardTable(Object.fromEntries(Object.entries(last.dev ?? {}).map(([d, m]) => [`dim ${d}`, m]))),
  );
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s -> ${out}`);
}
