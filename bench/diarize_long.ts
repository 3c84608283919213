/**
 * A 4 h recording through the default diarization (`embedkit diarize AUDIO` with no options: the tuned
 * preset, VAD -> windows -> embeddings -> `ahc-large` clustering), once per execution provider (wasm, and
 * native onnxruntime-node), each in its own process so its peak memory is its own:
 *
 *   nice -n 10 deno run -A bench/diarize_long.ts [--hours 4] [--eps wasm,node] [--out bench/diarize_long.results.json]
 *
 * The recording is built in a temp dir (never committed) by concatenating the shared audio (AMI debug
 * excerpts, the pyannote sample, LibriSpeech test-other and train-clean-100) until it lasts `--hours`,
 * written as 16 kHz PCM16 WAV block by block. The child reports wall time, the real-time factor, the peak
 * resident memory (VmHWM from /proc/self/status, and the largest Deno.memoryUsage().rss sampled every
 * second), the windows clustered and the clustering route with its estimated peak. Results:
 * bench/diarize_long.results.json (README block `diarize-long`, bench/readme_numbers.ts).
 * @module
 */
import { benchArgs, SHARED_OPTION } from "./bench_args.ts";
import { join } from "node:path";
import "../plugins/mod.ts";
import { readAudio } from "../core/audio/read.ts";
import { sharedRecordings } from "./diarize_audio.ts";
import { diarize } from "../core/pipelines/diarize.ts";
import { DIARIZE_PRESET, presetClusterer } from "../core/pipelines/diarize_defaults.ts";
import type { PluginSpec } from "../core/pipelines/stages/mod.ts";

const args = benchArgs({
  shared: SHARED_OPTION,
  hours: { type: "string", default: "4" },
  eps: { type: "string", default: "wasm,node" },
  out: { type: "string", default: "bench/diarize_long.results.json" },
  child: { type: "string" }, // internal: run one EP on this file
  ep: { type: "string", default: "wasm" },
});
const SR = 16000;

/** Writes `hours` of concatenated shared audio as a PCM16 WAV, one source at a time. */
async function build(path: string, hours: number, shared: string): Promise<number> {
  const total = Math.round(hours * 3600 * SR), list = await sharedRecordings(shared);
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  const head = new DataView(new ArrayBuffer(44));
  const tag = (o: number, s: string) => [...s].forEach((c, i) => head.setUint8(o + i, c.charCodeAt(0)));
  tag(0, "RIFF"), head.setUint32(4, 36 + 2 * total, true), tag(8, "WAVEfmt "), head.setUint32(16, 16, true);
  head.setUint16(20, 1, true), head.setUint16(22, 1, true), head.setUint32(24, SR, true);
  head.setUint32(28, 2 * SR, true), head.setUint16(32, 2, true), head.setUint16(34, 16, true);
  tag(36, "data"), head.setUint32(40, 2 * total, true);
  await f.write(new Uint8Array(head.buffer));
  let written = 0;
  for (let i = 0; written < total; i = (i + 1) % list.length) {
    const a = await readAudio(list[i], { sampleRate: SR });
    const n = Math.min(a.samples.length, total - written), pcm = new Int16Array(n);
    for (let k = 0; k < n; k++) pcm[k] = Math.max(-32768, Math.min(32767, Math.round(a.samples[k] * 32768)));
    await f.write(new Uint8Array(pcm.buffer));
    written += n;
  }
  f.close();
  return total / SR;
}

function vmHwm(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** The child: the default diarization of one file on one EP, with its memory. */
async function child(audio: string, ep: string): Promise<void> {
  let sampled = 0;
  const timer = setInterval(() => (sampled = Math.max(sampled, Deno.memoryUsage().rss)), 1000);
  const withEp = (s: PluginSpec): PluginSpec => ({ ...s, options: { ...s.options, ep } });
  const t0 = performance.now();
  const r = await diarize({
    audio,
    vad: withEp(DIARIZE_PRESET.vad),
    backbone: withEp(DIARIZE_PRESET.backbone),
    window: DIARIZE_PRESET.window,
    step: DIARIZE_PRESET.step,
    center: DIARIZE_PRESET.center,
    clusterers: [presetClusterer(null)],
  });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  const s = r.systems[0], duration = (await Deno.stat(audio)).size / 2 / SR;
  console.log(JSON.stringify({
    ep,
    wallSeconds: +seconds.toFixed(1),
    realTimeFactor: +(seconds / duration).toFixed(4),
    peakRssMiB: +(vmHwm() / 2 ** 20).toFixed(0),
    sampledRssMiB: +(Math.max(sampled, Deno.memoryUsage().rss) / 2 ** 20).toFixed(0),
    speechSeconds: +r.vad.speechSeconds.toFixed(0),
    windows: r.windows,
    speakers: s.numSpeakers,
    clustering: s.extra,
    stages: r.stages.map((x) => ({ stage: x.stage, seconds: +x.seconds.toFixed(1) })),
  }));
}

async function main(): Promise<void> {
  const hours = Number(args.values.hours);
  const dir = await Deno.makeTempDir({ prefix: "embedkit-long-" });
  try {
    const audio = join(dir, `concat-${hours}h.wav`);
    const t0 = performance.now();
    const seconds = await build(audio, hours, args.values.shared!);
    console.error(
      `[long] built ${(seconds / 3600).toFixed(2)} h in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    const runs = [];
    for (const ep of args.values.eps!.split(",")) {
      console.error(`[long] ${ep}: diarizing ...`);
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", import.meta.filename!, "--child", audio, "--ep", ep],
        stdout: "piped",
        stderr: "inherit",
        env: { EMBEDKIT_PROGRESS: "1" },
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!;
      if (!out.success) throw new Error(`${ep} run failed (exit ${out.code})`);
      runs.push(JSON.parse(text));
      console.error(`[long] ${ep}: ${text.slice(0, 300)}`);
    }
    const result = {
      generatedBy: "bench/diarize_long.ts",
      generatedAt: new Date().toISOString(),
      audio: {
        hours: +(seconds / 3600).toFixed(3),
        sampleRate: SR,
        built: "shared AMI, pyannote sample, LibriSpeech, repeated",
      },
      pipeline: { ...DIARIZE_PRESET, clusterer: presetClusterer(null) },
      machine: { cores: navigator.hardwareConcurrency, loadavg: Deno.loadavg() },
      runs,
    };
    await Deno.writeTextFile(args.values.out!, JSON.stringify(result, null, 2) + "\n");
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (args.values.child) await child(args.values.child, args.values.ep!);
else await main();
