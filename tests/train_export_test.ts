// Modules trained here export through core/onnx (exportSequential reads stateDict()) and reload in
// onnxruntime (wasm) with the same outputs as our forward pass.
import assert from "#std/assert";
import { addScalar, mean, permute, square, type Tensor, tensor } from "../core/autodiff/mod.ts";
import * as nn from "../core/nn/mod.ts";
import { exportSequential } from "../core/onnx/export.ts";
import { loadOnnx } from "../core/onnx/runtime.ts";
import { maxAbsDiff } from "./helpers.ts";

function randn(n: number, rng: nn.StatefulRng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** A few SGD steps so the exported weights are trained ones, not the initialisation. */
function trainSteps(model: nn.Module, x: Tensor, steps = 3): void {
  const opt = new nn.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    mean(square(addScalar(model.forward(x), -1))).backward(); // any differentiable objective will do
    opt.step();
  }
  model.eval();
}

Deno.test("trained head and TDNN export to ONNX and reload with the same outputs", async () => {
  const rng = new nn.StatefulRng(4);
  const head = new nn.Sequential(
    new nn.Linear(16, 24, { rng }),
    new nn.ReLU(),
    new nn.Linear(24, 8, { rng }),
  );
  const x = tensor(randn(5 * 16, rng), [5, 16]);
  trainSteps(head, x);
  const ours = head.forward(x).data;
  const ex = exportSequential(
    [{ type: "linear", name: "0" }, { type: "relu" }, { type: "linear", name: "2" }],
    head.stateDict(),
    {
      inputDim: 16,
    },
  );
  const m = await loadOnnx(ex.bytes, { ep: "wasm", log: () => {} });
  const out = await m.run({ [ex.inputName]: { data: x.data, dims: [5, 16] } });
  const errHead = maxAbsDiff(out[ex.outputName].data, ours);
  await m.dispose();
  assert(errHead < 1e-5, `head: onnx vs ours ${errHead}`);

  const td = new nn.Tdnn({
    inputDim: 6,
    channels: [8, 8],
    kernels: [3, 3],
    dilations: [1, 2],
    embedDim: 4,
    pooling: "stats",
    poolEps: 1e-7,
  }, rng);
  const feats = tensor(randn(3 * 6 * 20, rng), [3, 6, 20]); // [B, F, T]
  trainSteps(td, feats);
  const ref = td.forward(feats).data;
  const spec = [
    { type: "tdnn", name: "conv0", dilation: 1 },
    { type: "relu" },
    { type: "batchnorm", name: "bn0" },
    { type: "tdnn", name: "conv1", dilation: 2 },
    { type: "relu" },
    { type: "batchnorm", name: "bn1" },
    { type: "statspool", unbiased: false },
    { type: "linear", name: "embed" },
  ] as const;
  const ex2 = exportSequential(spec, td.stateDict(), { inputDim: 6 });
  const btf = permute(feats, [0, 2, 1]).data; // the exported graph takes [B, T, F]
  const m2 = await loadOnnx(ex2.bytes, { ep: "wasm", log: () => {} });
  const out2 = await m2.run({ [ex2.inputName]: { data: btf, dims: [3, 20, 6] } });
  await m2.dispose();
  const errTdnn = maxAbsDiff(out2[ex2.outputName].data, ref);
  assert(errTdnn < 1e-4, `tdnn: onnx vs ours ${errTdnn}`);
});
