/**
 * Writes the small random-weight models the golden check covers into a folder, for
 * tests/golden/check_onnx.py (python3-onnx checker + an independent PyTorch forward pass):
 *
 *   deno run -A tests/golden/write_onnx_models.ts /tmp/ek-onnx
 *   /usr/bin/python3 tests/golden/check_onnx.py /tmp/ek-onnx > tests/golden/onnx_check.json
 * @module
 */
import { GOLDEN_MODELS } from "../onnx_models.ts";

const dir = Deno.args[0] ?? "/tmp/ek-onnx";
await Deno.mkdir(dir, { recursive: true });
for (const [name, build] of Object.entries(GOLDEN_MODELS)) {
  await Deno.writeFile(`${dir}/${name}.onnx`, build());
  console.error(`wrote ${dir}/${name}.onnx`);
}
