/**
 * Issue 17, item 6: `ep=auto` (the runtime default) runs onnxruntime-node when it loads, else a
 * parity-checked non-fallback WebGPU adapter, else wasm, and says which and why in the model's epNote
 * (what backbones put in info()). Outputs of the chosen EP agree with wasm.
 */
import { assert, assertEquals } from "./assert.ts";
import { join } from "node:path";
import { ROOT } from "./helpers.ts";
import { loadOnnx, outputDiff } from "../core/onnx/runtime.ts";
import { buildRandomModel } from "../core/onnx/models/mod.ts";
import { Rng } from "../core/random.ts";

Deno.test("ep=auto: onnxruntime-node where --allow-ffi grants it, same outputs as wasm", async () => {
  const { bytes } = buildRandomModel("random:xvector-small");
  const rng = new Rng(3);
  const feats = { dims: [1, 120, 80], data: Float32Array.from({ length: 120 * 80 }, () => rng.normal()) };
  const auto = await loadOnnx(bytes, { log: () => {} }); // no ep: the default is auto
  assertEquals(auto.ep, "node");
  assertEquals(auto.epNote, "auto: onnxruntime-node (native CPU) loaded");
  const wasm = await loadOnnx(bytes, { ep: "wasm" });
  const name = auto.inputNames[0];
  const d = outputDiff(await wasm.run({ [name]: feats }), await auto.run({ [name]: feats }));
  assert(d.maxAbsDiff <= 1e-4 * Math.max(1, d.refMax), `node vs wasm ${d.maxAbsDiff}`);
  await auto.dispose();
  await wasm.dispose();
});

Deno.test("ep=auto without --allow-ffi (browser, JSR): wasm, saying why and what it costs", async () => {
  const src = `
    import { loadOnnx } from "${join(ROOT, "core/onnx/runtime.ts")}";
    import { buildRandomModel } from "${join(ROOT, "core/onnx/models/mod.ts")}";
    const m = await loadOnnx(buildRandomModel("random:xvector-small").bytes, { ep: "auto", log: () => {} });
    console.log(JSON.stringify({ ep: m.ep, note: m.epNote }));`;
  const file = await Deno.makeTempFile({ dir: "/tmp", suffix: ".ts" });
  await Deno.writeTextFile(file, src);
  const out = await new Deno.Command(Deno.execPath(), {
    // read + env only: no --allow-ffi, so onnxruntime-node cannot load (as in a browser or from JSR)
    args: ["run", "--config", join(ROOT, "deno.json"), "--allow-read", "--allow-env", file],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  }).output().finally(() => Deno.remove(file));
  const text = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(text.trim().split("\n").pop()!);
  assertEquals(r.ep, "wasm");
  assert(r.note.startsWith("auto: onnxruntime-node unavailable ("), r.note);
  assert(r.note.includes("webgpu not used"), r.note);
  assert(r.note.includes("about 7x slower than onnxruntime-node"), r.note);
});

Deno.test("the ONNX model plugins default to ep=auto: onnx-speaker and pyannet-segmentation run on node here", async () => {
  const { registry } = await import("../plugins/mod.ts");
  const b = await registry.create("backbone", "onnx-speaker", { model: "random:xvector-small@3" });
  try {
    assertEquals(b.info().ep, "node");
  } finally {
    await b.dispose?.();
  }
  assertEquals(registry.get("segmenter", "pyannet-segmentation").defaults, {
    ...registry.get("segmenter", "pyannet-segmentation").defaults,
    ep: "auto",
  });
});
