/**
 * Rewrites the measured blocks of README.md from results files, so the README cannot drift from what
 * the code prints:
 *
 *   deno task readme [--check] [--readme README.md] [--demo out/demo/results.json] [--bench out/bench]
 *
 * A block is everything between `<!-- BEGIN generated:NAME -->` and `<!-- END generated:NAME -->`
 * (on one line for an inline block, e.g. inside a table cell). Each NAME has a generator below that
 * reads one results file; a block whose file is missing is left as it is (and reported). `--check`
 * writes nothing and exits 1 when a block would change.
 *
 * Results files and the fields read:
 * - `out/demo/results.json` (`deno task demo`): `seed`, `verification[].dataset`, `.counts`, and
 *   `.systems[].label` / `.metrics["EER %" | "minDCF 0.01" | "minDCF 0.05" | "Cllr" | "minCllr"]` /
 *   `.info.ep`; `diarization[].name` and `.systems[].label` / `.metrics["DER %" | "speakers"]`.
 *   Blocks `demo-verification`, `demo-diarization`, `demo-eer-inline`.
 * - `out/bench/fbank_accuracy.json` (bench/fbank_accuracy.ts): `cases[]`, `kaldiArks[]`. Blocks
 *   `fbank-accuracy`, `fbank-inline`.
 * - `out/bench/webgpu_check.json` (bench/webgpu_check.ts): `adapter`, `results[]`. Block `webgpu-check`.
 * - Diarization (committed, {@link DIARIZE_RESULTS}): `bench/diarize_tune.results.json` (`presetName`, `der`,
 *   `overlap`), `bench/diarize_online.results.json` (`curves[]`, `cost`), `bench/diarize_long.results.json`
 *   (`audio.hours`, `runs[]`), `bench/diarize_bench.results.json` (`audio.minutes`, `runs[]`). Blocks
 *   `diarize-defaults`, `diarize-online`, `diarize-long`, `diarize-bench`.
 * - `bench/corrupted_eer.results.json` (bench/corrupted_eer.ts): `rows[]` (`set`, `system`, `"EER %"`),
 *   `systems[].training` (`epochs`, `lmEpochs`, `augment`, `seed`, `cpuMinutes` [+ `cpuApprox`] or
 *   `cpuMinutesEstimate`, `cpuNote`, from bench/train_bench.runs.json), `corruption.seed`, `compare`
 *   (`baseline`, `shipped`: the pair whose relative EER change is stated). Block `corrupted-eer`.
 * - `out/demo/results.json`: `robustness.systems[]` (`label`, `clean`, `corrupted`). Block `demo-robustness`.
 * - `out/demo/results.json`: `text` (`dataset`, `systems[]`: `label`, `dim`, `metrics["ndcg@10" | "mrr@10" |
 *   "map@100" | "accuracy@1" | "accuracy@10"]`). Block `demo-text`. `seconds`, `fresh`: block `demo-seconds-inline`.
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import {
  type BenchResults,
  frontier,
  markdownTable,
  TARGET_P50_MS,
  TARGET_RECALL,
} from "./speaker_store_table.ts";

type Json = Record<string, unknown>;
/** A block generator: the results file it reads and the markdown it makes from it. */
interface Generator {
  readonly file: (o: Options) => string;
  readonly render: (j: Json, file: string) => string | Promise<string>;
}
interface Options {
  readonly demo: string;
  readonly bench: string;
}

const e2 = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v.toExponential(1) : "–");
const pct = (v: unknown) =>
  typeof v === "number" && Number.isFinite(v) ? `${v.toFixed(v >= 10 ? 1 : 2)} %` : "–";
/** A number with `digits` decimals, or "–" for anything else. */
const fixed = (digits: number) => (v: unknown) =>
  typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "–";
const [f0, f2, f3, f4] = [0, 2, 3, 4].map(fixed);

/** A markdown table with padded columns (what `deno fmt` would produce). */
export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(w[i])).join(" | ")} |`;
  return [line(head), `| ${w.map((n) => "-".repeat(n)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

interface DemoSystem {
  label: string;
  metrics: Record<string, number>;
  info?: { ep?: string };
}

export const GENERATORS: Record<string, Generator> = {
  "demo-verification": {
    file: (o) => o.demo,
    render(j, file) {
      const out: string[] = [];
      for (const v of j.verification as { dataset?: string; counts?: Json; systems: DemoSystem[] }[]) {
        const rows = v.systems.map((s) => [
          s.label + (s.info?.ep ? ` (${s.info.ep})` : ""),
          pct(s.metrics["EER %"]),
          `${f3(s.metrics["minDCF 0.01"])} / ${f3(s.metrics["minDCF 0.05"])}`,
          `${f2(s.metrics["Cllr"])} / ${f2(s.metrics["minCllr"])}`,
        ]);
        out.push(
          table(["backbone (execution provider)", "EER", "minDCF 0.01 / 0.05", "Cllr / minCllr"], rows),
        );
      }
      out.push("", `From \`${file}\` (\`deno task demo\`, seed ${j.seed}), written by \`deno task readme\`.`);
      return out.join("\n");
    },
  },
  "demo-diarization": {
    file: (o) => o.demo,
    render(j, file) {
      const rows: string[][] = [];
      for (const d of j.diarization as { name: string; systems: DemoSystem[] }[]) {
        for (const s of d.systems) {
          rows.push([
            d.name.split(" (")[0],
            s.label,
            pct(s.metrics["DER %"]),
            String(s.metrics["speakers"] ?? "?"),
          ]);
        }
      }
      return `${
        table(["recording", "system", "DER", "speakers"], rows)
      }\n\nFrom \`${file}\` (\`deno task demo\`).`;
    },
  },
  "demo-eer-inline": {
    file: (o) => o.demo,
    render(j) {
      const v = (j.verification as { systems: DemoSystem[] }[])[0];
      return v.systems.map((s) => `${s.label} ${pct(s.metrics["EER %"])}`).join(", ");
    },
  },
  "fbank-accuracy": {
    file: (o) => join(o.bench, "fbank_accuracy.json"),
    render(j, file) {
      const cases = j.cases as {
        preset: string;
        file: string;
        sampleRate: number;
        frames: number;
        bins: number;
        oursVsTorchaudio: number;
        oursVsFloat64: number;
        torchaudioVsFloat64: number;
      }[];
      const presets = [...new Set(cases.map((c) => c.preset))];
      const rows = presets.map((p) => {
        const cs = cases.filter((c) => c.preset === p);
        const max = (k: keyof typeof cs[number]) => Math.max(...cs.map((c) => c[k] as number));
        return [
          p,
          cs.map((c) => `${c.file.split("/")[0]} ${c.frames}x${c.bins}`).join(", "),
          e2(max("oursVsTorchaudio")),
          e2(max("oursVsFloat64")),
          e2(max("torchaudioVsFloat64")),
        ];
      });
      const k = j.kaldiArks as { file: string; kaldiVsFloat64: number; oursVsKaldi: number }[];
      return [
        table(
          [
            "preset",
            "every frame of (frames x bins)",
            "ours vs torchaudio",
            "ours vs float64",
            "torchaudio vs float64",
          ],
          rows,
        ),
        "",
        `Real Kaldi (compute-fbank-feats, ${k.map((x) => x.file).join(", ")}): ours vs Kaldi ≤ ${
          e2(Math.max(...k.map((x) => x.oursVsKaldi)))
        }; Kaldi's own float32 arithmetic vs float64 ≤ ${e2(Math.max(...k.map((x) => x.kaldiVsFloat64)))}.`,
        `From \`${file}\` (\`deno run --allow-read --allow-write=out bench/fbank_accuracy.ts\`).`,
      ].join("\n");
    },
  },
  "fbank-inline": {
    file: (o) => join(o.bench, "fbank_accuracy.json"),
    render(j) {
      const cases = j.cases as { oursVsTorchaudio: number; torchaudioVsFloat64: number; frames: number }[];
      const frames = cases.reduce((a, c) => a + c.frames, 0);
      return `≤ ${e2(Math.max(...cases.map((c) => c.oursVsTorchaudio)))} on every frame (${cases.length} ` +
        `recording x preset cases, ${frames} frames; torchaudio itself is ≤ ${
          e2(Math.max(...cases.map((c) => c.torchaudioVsFloat64)))
        } from float64)`;
    },
  },
  "webgpu-check": {
    file: (o) => join(o.bench, "webgpu_check.json"),
    render(j, file) {
      const rs = j.results as {
        workload: string;
        backend: string;
        status: string;
        ms?: number;
        vsWasm?: number;
        maxAbsDiff?: number;
      }[];
      const rows = rs.map((r) => [
        r.workload,
        r.backend,
        r.status,
        r.ms === undefined ? "–" : r.ms.toFixed(1),
        r.vsWasm === undefined ? "–" : `${r.vsWasm.toFixed(2)}x`,
        r.maxAbsDiff === undefined ? "–" : e2(r.maxAbsDiff),
      ]);
      return `Adapter: ${j.adapter}.\n\n${
        table(["workload", "backend", "status", "ms (median)", "speed vs wasm", "max abs diff vs wasm"], rows)
      }\n\nFrom \`${file}\` (\`deno task webgpu-check\`, ${j.date}).`;
    },
  },
};

/** The committed results of bench/corrupted_eer.ts (the README's clean vs corrupted table). */
export const CORRUPTED_RESULTS = "bench/corrupted_eer.results.json";

GENERATORS["corrupted-eer"] = {
  file: () => CORRUPTED_RESULTS,
  render(j, file) {
    const rows = j.rows as { set: string; system: string; "EER %": number }[];
    const systems = j.systems as { label: string; training: Json | null }[];
    const eer = (sys: string, set: string) =>
      pct(rows.find((r) => r.system === sys && r.set === set)?.["EER %"]);
    const sets = ["noise", "music", "speech", "reverb"].filter((s) => rows.some((r) => r.set === s));
    const body = systems.map((s) => {
      const t = s.training;
      return [
        s.label,
        t ? `${t.epochs}${t.lmEpochs ? ` + ${t.lmEpochs} LM` : ""}` : "–",
        t ? String(t.augment || "none") : "–",
        t ? String(t.seed) : "–",
        cpu(t),
        eer(s.label, "clean"),
        eer(s.label, "mix"),
        ...sets.map((c) => eer(s.label, c)),
      ];
    });
    const c = j.corruption as { seed: number; snrDb?: number[] };
    const n = j.counts as { target: number; nonTarget: number } | undefined;
    const snr = c.snrDb ? `${c.snrDb[0]}-${c.snrDb[1]}` : "0-10";
    const notes = systems.flatMap((s) => s.training?.cpuNote ? [`${s.label}: ${s.training.cpuNote}`] : []);
    return [
      table(
        ["system", "epochs", "augmentation", "seed", "training CPU", "clean", "corrupted", ...sets],
        body,
      ),
      "",
      ...relativeDrop(j.compare as Json | undefined, rows),
      `EER on LibriSpeech test-other${n ? ` (${n.target} target, ${n.nonTarget} non-target trials)` : ""}, ` +
      `clean and corrupted (noise, music, a competing talker at ${snr} dB SNR, or reverberation; corruption ` +
      `seed ${c.seed}). ` +
      `From \`${file}\` (\`bench/corrupted_eer.ts\`).${
        notes.length ? ` Training CPU: ${notes.join("; ")}.` : ""
      }`,
    ].join("\n");
  },
};

/** The training-CPU cell: measured minutes, "~N min" when approximate, "≈ N min (estimate)" when extrapolated. */
function cpu(t: Json | null): string {
  if (!t) return "–";
  if (typeof t.cpuMinutes === "number") return `${t.cpuApprox ? "~" : ""}${Math.round(t.cpuMinutes)} min`;
  if (typeof t.cpuMinutesEstimate === "number") return `≈ ${Math.round(t.cpuMinutesEstimate)} min (estimate)`;
  return "–";
}

/** The relative change of the shipped model's EER against the baseline (`compare` in the results file). */
function relativeDrop(
  compare: Json | undefined,
  rows: { set: string; system: string; "EER %": number }[],
): string[] {
  const b = compare?.baseline as string | undefined, s = compare?.shipped as string | undefined;
  const at = (sys: string | undefined, set: string) =>
    rows.find((r) => r.system === sys && r.set === set)?.["EER %"];
  const [bc, sc, bm, sm] = [at(b, "clean"), at(s, "clean"), at(b, "mix"), at(s, "mix")];
  if (bc === undefined || sc === undefined || bm === undefined || sm === undefined) return [];
  const rel = (x: number, y: number) => `${y <= x ? "−" : "+"}${(Math.abs(y - x) / x * 100).toFixed(0)} %`;
  return [
    `${s} vs ${b}: corrupted EER ${pct(bm)} → ${pct(sm)} (${rel(bm, sm)} relative), clean ${pct(bc)} → ${
      pct(sc)
    } (${rel(bc, sc)}).`,
    "",
  ];
}

GENERATORS["demo-robustness"] = {
  file: (o) => o.demo,
  render(j, file) {
    const r = j.robustness as {
      dataset: string;
      systems: { label: string; clean: number; corrupted: number }[];
    } | null;
    if (!r) return `(no robustness stage in \`${file}\`: the demo ran without the shared data)`;
    return `${
      table(["model", "clean", "corrupted"], r.systems.map((s) => [s.label, pct(s.clean), pct(s.corrupted)]))
    }\n\n${r.dataset}; from \`${file}\` (\`deno task demo\`).`;
  },
};

GENERATORS["demo-text"] = {
  file: (o) => o.demo,
  render(j, file) {
    const t = j.text as {
      dataset: string;
      systems: { label: string; dim: number | null; metrics: Record<string, number> }[];
    } | null;
    if (!t) return `(no text stage in \`${file}\`: the demo ran without the shared data)`;
    const keys = ["ndcg@10", "mrr@10", "map@100", "accuracy@1", "accuracy@10"];
    return `${
      table(
        ["system", "dim", "NDCG@10", "MRR@10", "MAP@100", "acc@1", "acc@10"],
        t.systems.map((s) => [
          s.label,
          s.dim === null ? "–" : String(s.dim),
          ...keys.map((k) => f4(s.metrics[k])),
        ]),
      )
    }\n\n${t.dataset}; from \`${file}\` (\`deno task demo\`).`;
  },
};

GENERATORS["demo-seconds-inline"] = {
  file: (o) => o.demo,
  render(j) {
    const s = f0(j.seconds);
    return j.fresh === true ? `${s} s, nothing cached` : `${s} s (a resumed run: measure with \`--fresh\`)`;
  },
};

/** The committed results of the diarization benches (issue 13): README section "Speaker diarization". */
export const DIARIZE_RESULTS = {
  tune: "bench/diarize_tune.results.json",
  online: "bench/diarize_online.results.json",
  long: "bench/diarize_long.results.json",
  bench: "bench/diarize_bench.results.json",
} as const;

GENERATORS["diarize-defaults"] = {
  file: () => DIARIZE_RESULTS.tune,
  render(j, file) {
    const d = j.der as Record<string, number> & { oracleK: Record<string, number> };
    const o = j.overlap as { tuned: Json; der: Record<string, number>; oracleK: Record<string, number> };
    const splits = ["train", "development", "test"];
    return [
      table(["system", "speakers", ...splits], [
        [`default preset (${j.presetName})`, "estimated", ...splits.map((s) => pct(d[s]))],
        ["same, cut to the true count", "oracle", ...splits.map((s) => pct(d.oracleK[s]))],
        [
          `overlap-aware, oracle segmentation (threshold ${o.tuned.threshold})`,
          "estimated",
          ...splits.map((s) => pct(o.der[s])),
        ],
        ["same, cut to the true count", "oracle", ...splits.map((s) => pct(o.oracleK[s]))],
      ]),
      "",
      `DER pooled per split of AMI debug; the first two rows ignore overlapped speech, the overlap-aware rows ` +
      `score it (collar 0.25 s each side). Tuned on train + development, test scored once. From \`${file}\` ` +
      `(\`bench/diarize_tune.ts\`).`,
    ].join("\n");
  },
};

GENERATORS["diarize-online"] = {
  file: () => DIARIZE_RESULTS.online,
  render(j, file) {
    type Run = { der: number; meanDelay: number; maxDelay: number; realTimeFactor: number };
    const curves = j.curves as ({ source: string; latency: number } & Record<string, Run>)[];
    const at = (src: string, l: number) => curves.find((c) => c.source === src && c.latency === l)!;
    const lat = [...new Set(curves.map((c) => c.latency))].sort((a, b) => a - b);
    const cost = j.cost as Record<string, Run>;
    return [
      table(
        ["latency", "VAD local speakers (dev + test)", "oracle local speakers (dev + test)", "mean delay"],
        lat.map(
          (
            l,
          ) => [
            `${l} s`,
            pct(at("vad", l).devTest.der),
            pct(at("oracle", l).devTest.der),
            `${f2(at("vad", l).devTest.meanDelay)} s`,
          ],
        ),
      ),
      "",
      `DER (collar 0.25 s, overlap ignored) of the streamed AMI debug development + test recordings; ` +
      `real-time factor at 2 s: ${f3(cost.vad.realTimeFactor)} (VAD), ${
        f3(cost.oracle.realTimeFactor)
      } (oracle). ` +
      `Thresholds tuned on train. From \`${file}\` (\`bench/diarize_online.ts\`).`,
    ].join("\n");
  },
};

GENERATORS["diarize-long"] = {
  file: () => DIARIZE_RESULTS.long,
  render(j, file) {
    const runs = j.runs as {
      ep: string;
      wallSeconds: number;
      realTimeFactor: number;
      peakRssMiB: number;
      windows: number;
      clustering: { route: string; ahcRows: number };
    }[];
    const a = j.audio as { hours: number };
    return [
      table(
        ["execution provider", "wall time", "real-time factor", "peak RSS", "windows", "clustering"],
        runs.map((r) => [
          r.ep,
          `${(r.wallSeconds / 60).toFixed(1)} min`,
          f3(r.realTimeFactor),
          `${(r.peakRssMiB / 1024).toFixed(2)} GiB`,
          String(r.windows),
          `${r.clustering.route} (AHC on ${r.clustering.ahcRows} rows)`,
        ]),
      ),
      "",
      `${a.hours} h of concatenated shared audio, \`embedkit diarize\` defaults. From \`${file}\` ` +
      `(\`bench/diarize_long.ts\`).`,
    ].join("\n");
  },
};

GENERATORS["diarize-bench"] = {
  file: () => DIARIZE_RESULTS.bench,
  render(j, file) {
    const runs = j.runs as { system: string; seconds: number; ratioToSherpa?: number }[];
    const a = j.audio as { minutes: number };
    return [
      table(
        ["system", "wall time", "vs sherpa-onnx-node"],
        runs.map((r) => [
          r.system,
          `${(r.seconds / 60).toFixed(1)} min`,
          r.ratioToSherpa === undefined ? "1" : `${f2(r.ratioToSherpa)}x`,
        ]),
      ),
      "",
      `${a.minutes} min of audio, overlap-aware pipeline, random-weight PyanNet + x-vector, one thread, in one ` +
      `run. From \`${file}\` (\`bench/diarize_bench.ts\`).`,
    ].join("\n");
  },
};

/** The committed speaker-store bench runs (bench/speaker_store_bench.ts): the default run, then extra settings. */
export const SPEAKER_STORE_RESULTS = [
  "bench/speaker_store_bench.results.json",
  "bench/speaker_store_bench.m32_100k.results.json",
] as const;

GENERATORS["speaker-store"] = {
  file: () => SPEAKER_STORE_RESULTS[0],
  async render(j, file) {
    const extra = await Promise.all(
      SPEAKER_STORE_RESULTS.slice(1).map((f) => Deno.readTextFile(f).then(JSON.parse, () => null)),
    );
    const runs = [j as unknown as BenchResults, ...extra.filter(Boolean) as BenchResults[]];
    const verdicts = runs.flatMap((r) =>
      Object.entries(frontier(r)).map(([store, v]) => {
        const f = v as { speakers: number; bestP50AtRecall099: { efSearch: number; p50Ms: number } | null };
        const best = f.bestP50AtRecall099;
        return `${store} ${f.speakers.toLocaleString("en")} (m ${r.hnsw.m}): ${
          best
            ? `recall@10 ≥ ${TARGET_RECALL} first at ef_search ${best.efSearch}, p50 ${f2(best.p50Ms)} ms`
            : `recall@10 never reaches ${TARGET_RECALL}`
        }`;
      })
    );
    // speaker_store_table.ts writes a compact table; pad it as deno fmt would
    const [head, , ...body] = markdownTable(...runs).split("\n").map((l) =>
      l.split("|").slice(1, -1).map((c) => c.trim())
    );
    return [
      table(head, body),
      "",
      `Target: p50 ≤ ${TARGET_P50_MS} ms at recall@10 ≥ ${TARGET_RECALL} against exact search. ${
        verdicts.join("; ")
      }. ` +
      `Data: ${j.data} (${j.dim}-d, seed ${j.seed}); ${j.machine}. From \`${
        [file, ...SPEAKER_STORE_RESULTS.slice(1)].join("`, `")
      }\` ` +
      "(`bench/speaker_store_bench.ts`).",
    ].join("\n");
  },
};

GENERATORS["diarize-inline"] = {
  file: () => DIARIZE_RESULTS.tune,
  async render(j, file) {
    const d = j.der as Record<string, number>;
    const o = j.overlap as { der: Record<string, number> };
    const long = await Deno.readTextFile(DIARIZE_RESULTS.long).then(JSON.parse, () => null);
    const rss = long
      ? `; 4 h: peak RSS ${
        Math.max(...long.runs.map((r: { peakRssMiB: number }) => r.peakRssMiB / 1024)).toFixed(2)
      } GiB`
      : "";
    return `AMI debug test DER: default ${pct(d.test)}, overlap-aware (oracle segmentation) ${
      pct(o.der.test)
    }${rss} (\`${file}\`)`;
  },
};

GENERATORS["store-inline"] = {
  file: () => SPEAKER_STORE_RESULTS[0],
  render(j) {
    const f = frontier(j as unknown as BenchResults) as Record<
      string,
      { speakers: number; bestRecallAtP50_10ms: { recallAt10: number; p50Ms: number } | null }
    >;
    return Object.entries(f).map(([k, v]) =>
      `${k} ${v.speakers.toLocaleString("en")}: best recall@10 within 10 ms p50 ${
        v.bestRecallAtP50_10ms ? f3(v.bestRecallAtP50_10ms.recallAt10) : "none"
      }`
    ).join("; ");
  },
};

/** The shipped text model's own record (its config, seed and per-epoch dev tables, written by training). */
export const TEXT_MODEL_RECORD = "core/zoo/models/embedkit-text-debian/embedkit.json";

GENERATORS["text-debian"] = {
  file: () => TEXT_MODEL_RECORD,
  render(j, file) {
    const history = j.history as { epoch: number; dev: Record<string, Record<string, number>> }[];
    const last = history.at(-1)!;
    const dims = Object.keys(last.dev).map(Number).sort((a, b) => b - a);
    const full = last.dev[String(dims[0])]["ndcg@10"];
    return [
      table(
        ["dim", "NDCG@10", "MRR@10", "MAP@100", "recall@10", "share of full-dim NDCG@10"],
        dims.map((d) => {
          const m = last.dev[String(d)];
          return [
            String(d),
            f3(m["ndcg@10"]),
            f3(m["mrr@10"]),
            f3(m["map@100"]),
            f3(m["recall@10"]),
            pct(100 * m["ndcg@10"] / full),
          ];
        }),
      ),
      "",
      `Debian dev split after epoch ${last.epoch} (seed ${j.seed}); from \`${file}\` (written by the training run).`,
    ].join("\n");
  },
};

const BLOCK = /<!-- BEGIN generated:([\w-]+) -->([\s\S]*?)<!-- END generated:\1 -->/g;

/** Rewrites every known block of `text`; returns the new text and what was (not) done. */
export async function rewrite(text: string, o: Options): Promise<{ text: string; log: string[] }> {
  const log: string[] = [];
  const cache = new Map<string, Json | null>();
  const load = async (f: string) => {
    if (!cache.has(f)) cache.set(f, await Deno.readTextFile(f).then(JSON.parse, () => null));
    return cache.get(f)!;
  };
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(BLOCK)) {
    const [whole, name] = m;
    parts.push(text.slice(last, m.index));
    last = m.index! + whole.length;
    const gen = GENERATORS[name];
    if (!gen) {
      log.push(`unknown block '${name}' (known: ${Object.keys(GENERATORS).join(", ")}); left as is`);
      parts.push(whole);
      continue;
    }
    const file = gen.file(o), j = await load(file);
    if (!j) {
      log.push(`${name}: ${file} is missing; left as is`);
      parts.push(whole);
      continue;
    }
    // inline when the marker sits inside a line (a table cell, a sentence that deno fmt may wrap)
    const inline = m.index! > 0 && text[m.index! - 1] !== "\n";
    const content = await gen.render(j, file);
    const next = inline
      ? `<!-- BEGIN generated:${name} -->${content}<!-- END generated:${name} -->`.replace(/\s*\n\s*/g, " ")
      : `<!-- BEGIN generated:${name} -->\n${content}\n<!-- END generated:${name} -->`;
    // deno fmt re-wraps inline blocks in prose: a change of line breaks only is no change
    const same = next.replace(/\s+/g, " ") === whole.replace(/\s+/g, " ");
    if (!same) log.push(`${name}: updated from ${file}`);
    parts.push(same ? whole : next);
  }
  parts.push(text.slice(last));
  return { text: parts.join(""), log };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      check: { type: "boolean" },
      readme: { type: "string", default: "README.md" },
      demo: { type: "string", default: "out/demo/results.json" },
      bench: { type: "string", default: "out/bench" },
    },
  });
  const before = await Deno.readTextFile(values.readme!);
  const { text, log } = await rewrite(before, { demo: values.demo!, bench: values.bench! });
  for (const l of log) console.error(l);
  if (values.check) {
    if (text !== before) {
      console.error(`${values.readme} is out of date with the results files: run 'deno task readme'`);
      Deno.exit(1);
    }
  } else if (text !== before) {
    await Deno.writeTextFile(values.readme!, text);
    console.error(`rewrote ${values.readme}`);
  } else console.error(`${values.readme} is up to date`);
}
