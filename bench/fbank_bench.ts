/**
 * Fbank speed, in one run: the WASM SIMD kernel and the plain-TypeScript path, each with both FFT
 * arithmetics (`fft: "float64"`, the wespeaker preset's, and "kaldi-float32", Kaldi's own), and
 * torchaudio's kaldi.fbank (the anchor: one thread, /usr/bin/python3; skipped when absent) on the same
 * 16 kHz speech (LibriSpeech from ../shared/data, or 60 s of seeded noise), 80 bins, WeSpeaker options.
 * Prints times, x real time (target >= 2000 on one core) and the ratio to torchaudio's time.
 *
 *   deno run -A bench/fbank_bench.ts [--reps 5]
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readAudio } from "../core/audio/read.ts";
import { fbank, FBANK_PRESETS } from "../core/features/fbank.ts";
import { Rng } from "../core/random.ts";

const { values } = parseArgs({ args: Deno.args, options: { reps: { type: "string", default: "5" } } });
const REPS = Number(values.reps);
const HERE = dirname(fileURLToPath(import.meta.url));
const TORCH_PY = Deno.env.get("TORCH_PYTHON") ?? "/usr/bin/python3";

async function speech(): Promise<{ x: Float32Array; what: string }> {
  const dir = join(HERE, "..", "..", "shared", "data", "librispeech", "test-other");
  try {
    const parts: Float32Array[] = [];
    for (const spk of ["1688", "1998", "2033"]) {
      for (
        const e of [...Deno.readDirSync(join(dir, spk))].filter((e) => e.name.endsWith(".flac")).slice(0, 3)
      ) {
        parts.push((await readAudio(join(dir, spk, e.name), { sampleRate: 16000 })).samples);
      }
    }
    const x = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) x.set(p, (o += p.length) - p.length);
    return { x, what: `${parts.length} LibriSpeech utterances` };
  } catch {
    const r = new Rng(1);
    return {
      x: Float32Array.from({ length: 16000 * 60 }, () => 0.1 * r.normal()),
      what: "60 s of seeded noise",
    };
  }
}

/** Best time (s) of each function over REPS rounds, the functions interleaved within each round. */
function best(fns: (() => void)[]): number[] {
  const t = fns.map(() => Infinity);
  for (let i = 0; i < REPS; i++) {
    fns.forEach((fn, j) => {
      const t0 = performance.now();
      fn();
      t[j] = Math.min(t[j], performance.now() - t0);
    });
  }
  return t.map((ms) => ms / 1000);
}

const { x, what } = await speech();
const secs = x.length / 16000;
const f64 = { ...FBANK_PRESETS.wespeaker, cmn: "none" as const }; // fft: "float64"
const k32 = { ...f64, fft: "kaldi-float32" as const };
const runs: [string, () => void][] = [
  ["embedkit WASM SIMD, float64 FFT (wespeaker preset)", () => fbank(x, f64, "wasm")],
  ["embedkit WASM SIMD, kaldi-float32 FFT", () => fbank(x, k32, "wasm")],
  ["embedkit TypeScript, float64 FFT", () => fbank(x, f64, "ts")],
  ["embedkit TypeScript, kaldi-float32 FFT", () => fbank(x, k32, "ts")],
];
for (const o of [f64, k32]) for (const b of ["wasm", "ts"] as const) fbank(x.subarray(0, 16000), o, b); // warm-up
const bests = best(runs.map(([, fn]) => fn));
const times = runs.map(([name], i) => [name, bests[i]] as const);
let torch: number | undefined;
const tmp = await Deno.makeTempFile({ suffix: ".f32" });
try {
  await Deno.writeFile(tmp, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  const out = await new Deno.Command(TORCH_PY, {
    args: [join(HERE, "fbank_bench.py"), tmp, "16000", `${REPS}`],
    env: { OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.success) torch = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!).seconds;
  else {console.error(
      `torchaudio anchor skipped: ${new TextDecoder().decode(out.stderr).trim().split("\n").pop()}`,
    );}
} catch (e) {
  console.error(`torchaudio anchor skipped: ${(e as Error).message}`);
} finally {
  await Deno.remove(tmp);
}
console.log(`fbank, 80 bins, ${what}: ${secs.toFixed(1)} s of audio, best of ${REPS}`);
console.log("| implementation | time (ms) | x real time | time / torchaudio |");
console.log("|---|---|---|---|");
const row = (n: string, t: number) =>
  console.log(
    `| ${n} | ${(t * 1000).toFixed(1)} | ${(secs / t).toFixed(0)} | ${
      torch === undefined ? "-" : (t / torch).toFixed(2)
    } |`,
  );
for (const [name, t] of times) row(name, t);
if (torch !== undefined) row("torchaudio kaldi.fbank (1 thread)", torch);
