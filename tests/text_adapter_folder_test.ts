/**
 * The `text` backbone loads a `--model adapter` export (core/text/adapter_runtime.ts). Oracle: the
 * training-time model itself (base embed -> head forward, core/text/adapter.ts), cut and normalised by hand.
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { maxAbsDiff, withTempDir } from "./helpers.ts";
import { writeTinyBertFolder } from "./tiny_bert.ts";
import { registry } from "../plugins/mod.ts";
import { createTextTraining, type TextTrainConfig } from "../core/text/train.ts";
import { embedItems } from "../core/text/evaluate.ts";
import { synthPairs, TINY } from "./text_fixtures.ts";

function adapterJob(backbone: string, backboneOptions: Record<string, unknown>) {
  const config: TextTrainConfig = {
    ...TINY,
    epochs: 1,
    lr: 1e-2,
    model: { kind: "adapter", backbone, backboneOptions, dim: 16, hidden: 8 },
    lossOptions: { inner: "mnrl", dims: [16, 8] },
  };
  return createTextTraining({ train: synthPairs(32, 3), config, registry, progress: false });
}

Deno.test("text backbone: an adapter folder embeds as the trained adapter (base -> head), 1e-5", async () => {
  await withTempDir(async (dir) => {
    const base = await writeTinyBertFolder(`${dir}/tiny-bert`);
    const job = await adapterJob("text", { model: base });
    await job.trainer.fit();
    await job.exportFolder(`${dir}/a`);
    const texts = ["the cat sat on the mat.", "a speaking speaker", "dog voice"];
    const head = embedItems(job.model, await job.model.prepare(texts));
    for (const dim of [0, 8]) {
      const bb = await registry.create("backbone", "text", { model: `${dir}/a`, dim });
      assertEquals(bb.dim, dim || 16);
      const got = await bb.embed(texts.map((text, i) => ({ id: `t${i}`, text })));
      for (let i = 0; i < texts.length; i++) {
        const v = head.data.slice(i * 16, i * 16 + (dim || 16));
        const n = Math.hypot(...v);
        const want = v.map((x) => x / n);
        const d = maxAbsDiff(got[i], want);
        assert(d < 1e-5, `dim ${dim} text ${i}: loaded folder vs training forward ${d}`);
      }
      await bb.dispose?.();
    }
  });
});

Deno.test("text backbone: an adapter over tfidf-text (no saved base) is refused naming adapter.json and the fix", async () => {
  await withTempDir(async (dir) => {
    const job = await adapterJob("tfidf-text", { dim: 64, hashing: true });
    await job.trainer.fit();
    await job.exportFolder(`${dir}/t`);
    const e = await assertRejects(() => registry.create("backbone", "text", { model: `${dir}/t` }));
    const msg = (e as Error).message;
    for (const s of ["adapter.json", "tfidf-text", "--backbone text:model=DIR"]) {
      assert(msg.includes(s), `message lacks '${s}': ${msg}`);
    }
  });
});
