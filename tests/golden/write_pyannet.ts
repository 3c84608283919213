/**
 * Writes the golden PyanNet (seed PYANNET_GOLDEN_SEED) for tests/golden/gen_pyannet.py: model.onnx, its
 * state dict with PyTorch names and layouts (state.json index + state.bin float32) and the fixed inputs
 * (inputs.json + inputs.bin).
 *
 *   deno run -A tests/golden/write_pyannet.ts /tmp/ek-pyannet
 *   /usr/bin/python3 tests/golden/gen_pyannet.py /tmp/ek-pyannet > tests/golden/pyannet.json
 * @module
 */
import { buildPyanNet } from "../../core/onnx/models/pyannet.ts";
import { PYANNET_GOLDEN_SEED, pyannetGoldenInputs } from "../pyannet_fixture.ts";

const dir = Deno.args[0] ?? "/tmp/ek-pyannet";
await Deno.mkdir(dir, { recursive: true });
const m = buildPyanNet({ seed: PYANNET_GOLDEN_SEED });
await Deno.writeFile(`${dir}/model.onnx`, m.bytes);

function pack(entries: [string, number[], Float32Array][]): { index: unknown[]; bin: Uint8Array } {
  const total = entries.reduce((n, [, , d]) => n + d.length, 0);
  const all = new Float32Array(total);
  const index: unknown[] = [];
  let off = 0;
  for (const [name, shape, data] of entries) {
    all.set(data, off);
    index.push({ name, shape, offset: off, length: data.length });
    off += data.length;
  }
  return { index, bin: new Uint8Array(all.buffer) };
}
const st = pack(Object.entries(m.state).map(([k, t]) => [k, t.shape, t.data]));
await Deno.writeTextFile(
  `${dir}/state.json`,
  JSON.stringify({ seed: PYANNET_GOLDEN_SEED, tensors: st.index }),
);
await Deno.writeFile(`${dir}/state.bin`, st.bin);
const inp = pack(pyannetGoldenInputs().map((x, i) => [`input${i}`, [x.batch, 1, x.samples], x.data]));
await Deno.writeTextFile(`${dir}/inputs.json`, JSON.stringify(inp.index));
await Deno.writeFile(`${dir}/inputs.bin`, inp.bin);
console.error(`wrote ${dir}: ${m.parameters} parameters, metadata ${JSON.stringify(m.metadata)}`);
