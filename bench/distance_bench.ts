/**
 * Distance kernels against numpy (OpenBLAS, OPENBLAS_NUM_THREADS=1) on the same float32 data, in one
 * run: cosine and dot matrices 1024x192 vs 1024x192 (target: within 2x of numpy), and the tiled
 * 20000x256 vs 20000x256 cosine with a row max kept per tile (never the full 1.6 GB matrix).
 *
 * The machine is shared, so the two sides are interleaved: numpy runs as one long-lived process that
 * answers timing requests, and each round times ours (best of --reps) then numpy (best of --reps).
 * The table gives the best over all rounds on each side and their ratio, plus the spread of the
 * per-round ratios (min / median / max), so a noisy neighbour shows up as spread, not as a result.
 * The "kernel only" row times the WASM micro-kernel alone on already packed data (no copies, norms
 * or output allocation): the floor the API calls can approach.
 *
 *   deno run -A bench/distance_bench.ts [--big-rows 20000] [--reps 5] [--rounds 9]
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { cosineMatrix, dotMatrix, forEachTile } from "../core/kernels/distance.ts";
import { WASM_BASE64 } from "../asm/build/distance_wasm.ts";
import { wasmModule } from "../core/kernels/wasm.ts";
import type { Matrix } from "../core/matrix.ts";
import { Rng } from "../core/random.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "big-rows": { type: "string", default: "20000" },
    reps: { type: "string", default: "5" },
    rounds: { type: "string", default: "9" },
  },
});
const REPS = Number(values.reps), ROUNDS = Number(values.rounds), BIG = Number(values["big-rows"]);
const HERE = dirname(fileURLToPath(import.meta.url));
const PY = Deno.env.get("NUMPY_PYTHON") ?? "python3";

function randn(n: number, d: number, seed: number): Matrix {
  const r = new Rng(seed);
  return { rows: n, cols: d, data: Float32Array.from({ length: n * d }, () => r.normal()) };
}

function best(fn: () => void, reps: number): number {
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t / 1000;
}

/** numpy as a long-lived process on the data of a and b: `ask("cosine 5")` -> seconds. */
class Numpy {
  private child: Deno.ChildProcess;
  private writer: WritableStreamDefaultWriter<Uint8Array>;
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private buf = "";
  private files: string[];
  private constructor(child: Deno.ChildProcess, files: string[]) {
    this.child = child;
    this.files = files;
    this.writer = child.stdin.getWriter();
    this.reader = child.stdout.getReader();
  }

  static async start(a: Matrix, b: Matrix): Promise<Numpy> {
    const pa = await Deno.makeTempFile({ suffix: ".f32" }), pb = await Deno.makeTempFile({ suffix: ".f32" });
    await Deno.writeFile(pa, new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
    await Deno.writeFile(pb, new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength));
    const env = { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
    const args = [join(HERE, "distance_bench.py"), pa, pb, `${a.rows}`, `${b.rows}`, `${a.cols}`];
    const child = new Deno.Command(PY, { args, env, stdin: "piped", stdout: "piped", stderr: "inherit" })
      .spawn();
    const np = new Numpy(child, [pa, pb]);
    await np.line(); // {"numpy": version}: data loaded
    return np;
  }

  private async line(): Promise<string> {
    const dec = new TextDecoder();
    while (!this.buf.includes("\n")) {
      const { value, done } = await this.reader.read();
      if (done) throw new Error(`${PY} distance_bench.py ended early`);
      this.buf += dec.decode(value);
    }
    const i = this.buf.indexOf("\n"), s = this.buf.slice(0, i);
    this.buf = this.buf.slice(i + 1);
    return s;
  }

  async ask(request: string): Promise<number> {
    await this.writer.write(new TextEncoder().encode(request + "\n"));
    const out = JSON.parse(await this.line());
    if (out.error) throw new Error(out.error);
    return out.seconds;
  }

  async close(): Promise<void> {
    await this.writer.write(new TextEncoder().encode("\n"));
    await this.writer.close();
    this.reader.releaseLock();
    await this.child.status;
    for (const f of this.files) await Deno.remove(f);
  }
}

/** The micro-kernel alone: dotBlock on packed B and a resident A, output in WASM memory. */
function kernelOnly(a: Matrix, b: Matrix, reps: number): number {
  // deno-lint-ignore no-explicit-any
  const x = new WebAssembly.Instance(wasmModule("distance", WASM_BASE64), {}).exports as any;
  const d = a.cols, na = Math.ceil(a.rows / 6) * 6, nb = b.rows, mp = Math.ceil(nb / 8) * 8;
  const al = (p: number) => (p + 15) & ~15;
  const pB = al(x.heapBase()), pS = al(pB + mp * d * 4), pA = al(pS + nb * 4), pO = al(pA + na * d * 4);
  x.memory.grow(Math.ceil((pO + Math.max(na * nb, nb * d) * 4) / 65536));
  new Float32Array(x.memory.buffer, pO, nb * d).set(b.data);
  x.packPanels(pO, nb, d, pB, 0, pS);
  new Float32Array(x.memory.buffer, pA, a.rows * d).set(a.data);
  return best(() => x.dotBlock(pA, na, pB, nb, d, pO, nb, 0), reps);
}

const quantile = (v: number[], q: number) => [...v].sort((x, y) => x - y)[Math.round(q * (v.length - 1))];
const table: string[] = [];
const row = (name: string, ours: number, np: number, ratios?: number[]) =>
  table.push(
    `| ${name} | ${(ours * 1000).toFixed(2)} | ${(np * 1000).toFixed(2)} | ${(ours / np).toFixed(2)} | ${
      ratios
        ? `${quantile(ratios, 0).toFixed(2)} / ${quantile(ratios, 0.5).toFixed(2)} / ${
          quantile(ratios, 1).toFixed(2)
        }`
        : "-"
    } |`,
  );

{
  const a = randn(1024, 192, 1), b = randn(1024, 192, 2);
  const np = await Numpy.start(a, b);
  cosineMatrix(a, b); // warm up (compile, grow memory)
  dotMatrix(a, b);
  const runs = {
    cos: { ours: [] as number[], np: [] as number[] },
    dot: { ours: [] as number[], np: [] as number[] },
    kernel: [] as number[],
  };
  for (let r = 0; r < ROUNDS; r++) {
    runs.cos.ours.push(best(() => cosineMatrix(a, b), REPS));
    runs.cos.np.push(await np.ask(`cosine ${REPS}`));
    runs.dot.ours.push(best(() => dotMatrix(a, b), REPS));
    runs.dot.np.push(await np.ask(`dot ${REPS}`));
    runs.kernel.push(kernelOnly(a, b, REPS));
    console.error(`round ${r + 1}/${ROUNDS}`);
  }
  await np.close();
  const mn = (v: number[]) => Math.min(...v);
  const ratios = (o: number[], n: number[]) => o.map((t, i) => t / n[i]);
  row("cosine 1024x192 vs 1024x192", mn(runs.cos.ours), mn(runs.cos.np), ratios(runs.cos.ours, runs.cos.np));
  row("dot 1024x192 vs 1024x192", mn(runs.dot.ours), mn(runs.dot.np), ratios(runs.dot.ours, runs.dot.np));
  row(
    "kernel only (dotBlock, packed) vs numpy dot",
    mn(runs.kernel),
    mn(runs.dot.np),
    ratios(runs.kernel, runs.dot.np),
  );
}
if (BIG > 0) {
  const a = randn(BIG, 256, 3), b = randn(BIG, 256, 4);
  const tile = 512;
  const run = () => {
    let s = 0;
    forEachTile(a, b, "cosine", (t) => {
      for (let i = 0; i < t.rows; i++) {
        let m = -Infinity;
        for (let j = 0; j < t.cols; j++) m = Math.max(m, t.data[i * t.cols + j]);
        s += m;
      }
    }, { tileRows: tile });
    return s;
  };
  const np = await Numpy.start(a, b);
  const ours = best(run, 1);
  const theirs = await np.ask(`tiled 1 ${tile}`);
  await np.close();
  row(`tiled cosine ${BIG}x256 vs ${BIG}x256 (+row max)`, ours, theirs);
}
console.log(
  "| case | ours (ms) | numpy 1 thread (ms) | ours / numpy (best vs best) | per-round ratio min / median / max |",
);
console.log("|---|---|---|---|---|");
for (const line of table) console.log(line);
