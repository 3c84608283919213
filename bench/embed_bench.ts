/**
 * Embedding-extraction speed (real-time factor = compute time / audio time) on 10 s utterances for the
 * WeSpeaker-ResNet34-shaped and ECAPA-TDNN-shaped models (random weights: speed does not depend on
 * weight values), in one run:
 *   onnxruntime-web wasm with 1 and 2 threads, onnxruntime-node with 1 and 2 threads, and
 *   sherpa-onnx-node's SpeakerEmbeddingExtractor (native, loads our models through the metadata we write).
 * "model" = network only on precomputed features; "e2e" = 10 s of samples -> fbank -> network -> embedding
 * (what sherpa-onnx's number always includes). Each configuration runs in its own process (the wasm
 * thread count is process-wide). WeSpeaker's published reference: RTF 0.061 for ResNet34 on one Xeon
 * thread with native ONNX Runtime.
 *
 *   deno run -A bench/embed_bench.ts [--runs 5] [--models resnet34,ecapa512,ecapa1024] [--json out.json]
 * @module
 */
import { benchArgs } from "./bench_args.ts";

const { values } = benchArgs({
  child: { type: "string" },
  runs: { type: "string", default: "5" },
  models: { type: "string", default: "resnet34,ecapa512,ecapa1024" },
  json: { type: "string" },
});
const SECONDS = 10;
const WESPEAKER_RTF = 0.061;

interface Job {
  model: string;
  runtime: "wasm" | "node" | "sherpa-onnx";
  threads: number;
  runs: number;
}
interface Result extends Job {
  modelRtf: number | null;
  e2eRtf: number;
  params: number;
  error?: string;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

function audio(): Float32Array {
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296) - 0.5;
  return Float32Array.from(
    { length: SECONDS * 16000 },
    (_, i) => 0.3 * Math.sin(i * 0.03 + 2 * Math.sin(i * 0.0007)) + 0.05 * rnd(),
  );
}

async function child(job: Job): Promise<Result> {
  const { buildRandomModel } = await import("../core/onnx/models/mod.ts");
  const built = buildRandomModel(`random:${job.model}`);
  const samples = audio();
  const time = async (fn: () => Promise<unknown> | unknown) => {
    await fn(); // warm-up
    const t: number[] = [];
    for (let i = 0; i < job.runs; i++) {
      const t0 = performance.now();
      await fn();
      t.push(performance.now() - t0);
    }
    return median(t) / 1000 / SECONDS;
  };
  if (job.runtime === "sherpa-onnx") {
    const sherpa = (await import("sherpa-onnx-node")).default;
    const path = await Deno.makeTempFile({ suffix: ".onnx" });
    await Deno.writeFile(path, built.bytes);
    const ex = new sherpa.SpeakerEmbeddingExtractor({
      model: path,
      numThreads: job.threads,
      debug: false,
      provider: "cpu",
    });
    const e2eRtf = await time(() => {
      const s = ex.createStream();
      s.acceptWaveform({ sampleRate: 16000, samples });
      s.inputFinished();
      return ex.compute(s);
    });
    await Deno.remove(path);
    return { ...job, modelRtf: null, e2eRtf, params: built.parameters };
  }
  const { loadOnnx } = await import("../core/onnx/runtime.ts");
  const { fbank, FBANK_PRESETS } = await import("../core/features/fbank.ts");
  const session = await loadOnnx(built.bytes, { ep: job.runtime, threads: job.threads, log: () => {} });
  const feats = fbank(samples, FBANK_PRESETS.wespeaker);
  const modelRtf = await time(() => session.run({ feats: { dims: [1, feats.rows, 80], data: feats.data } }));
  const e2eRtf = await time(async () => {
    const f = fbank(samples, FBANK_PRESETS.wespeaker);
    return await session.run({ feats: { dims: [1, f.rows, 80], data: f.data } });
  });
  return { ...job, modelRtf, e2eRtf, params: built.parameters };
}

if (values.child) {
  const job = JSON.parse(values.child) as Job;
  try {
    console.log(JSON.stringify(await child(job)));
  } catch (e) {
    console.log(
      JSON.stringify({
        ...job,
        modelRtf: null,
        e2eRtf: NaN,
        params: 0,
        error: (e as Error).message.split("\n")[0],
      }),
    );
  }
} else {
  const runs = Number(values.runs);
  const results: Result[] = [];
  const configs: [Job["runtime"], number][] = [["wasm", 1], ["wasm", 2], ["node", 1], ["node", 2], [
    "sherpa-onnx",
    1,
  ], ["sherpa-onnx", 2]];
  for (const model of values.models!.split(",")) {
    for (const [runtime, threads] of configs) {
      const job: Job = { model, runtime, threads, runs };
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL(import.meta.url).pathname, "--child", JSON.stringify(job)],
        stdout: "piped",
        stderr: "null",
        env: { ONNXRUNTIME_NODE_INSTALL: "skip" },
      }).output();
      const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "{}";
      const r = JSON.parse(line) as Result;
      results.push(r);
      const fmt = (x: number | null) => (x === null || !Number.isFinite(x) ? "   -  " : x.toFixed(4));
      console.error(
        `${model.padEnd(10)} ${runtime.padEnd(12)} threads=${threads}  model RTF ${
          fmt(r.modelRtf)
        }  e2e RTF ${fmt(r.e2eRtf)}${r.error ? `  ERROR ${r.error}` : ""}`,
      );
    }
  }
  const lines = [
    "",
    `# embedding extraction, ${SECONDS} s utterances, median of ${runs} runs (RTF: lower is faster)`,
    "",
  ];
  lines.push(
    "| model | params | runtime | threads | model-only RTF | end-to-end RTF | e2e vs wasm-1t | e2e vs WeSpeaker 0.061 |",
  );
  lines.push("|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const base = results.find((x) => x.model === r.model && x.runtime === "wasm" && x.threads === 1)!;
    lines.push(
      `| ${r.model} | ${(r.params / 1e6).toFixed(2)} M | ${r.runtime} | ${r.threads} | ${
        r.modelRtf?.toFixed(4) ?? "-"
      } | ${r.e2eRtf.toFixed(4)} | ${(base.e2eRtf / r.e2eRtf).toFixed(2)}x | ${
        (WESPEAKER_RTF / r.e2eRtf).toFixed(2)
      }x |`,
    );
  }
  console.log(lines.join("\n"));
  if (values.json) {
    await Deno.writeTextFile(
      values.json,
      JSON.stringify({ seconds: SECONDS, runs, results }, null, 2) + "\n",
    );
  }
}
