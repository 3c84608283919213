/**
 * The demo: verification and diarization end to end, written to one self-contained HTML report plus
 * results.json. Uses `../shared/data` (LibriSpeech test-other, the pyannote sample, the VBx ES2005a
 * x-vectors) when present, else data it synthesises itself, and says which. No downloads.
 * @module
 */
import { writeFileAtomic, writeJsonAtomic } from "../atomic.ts";
import type { Turn as RttmTurn } from "../diarization/rttm.ts";
import { ConfigError, InputError } from "../errors.ts";
import { basename, join, resolve } from "../paths.ts";
import { zooModel } from "../zoo/catalog.ts";
import { bundledPath, installedPath } from "../zoo/store.ts";
import { status } from "../progress.ts";
import type { Registry } from "../registry.ts";
import { renderReport, type VerificationSection } from "../report/html.ts";
import type { Turn } from "../report/charts.ts";
import type { DiarizationSection } from "../report/html.ts";
import { type PluginSpec, reg } from "./common.ts";
import { diarize, type DiarizeOptions, type DiarizeResult } from "./diarize.ts";
import { syntheticConversation, syntheticCorpus } from "./synthetic.ts";
import { verify, type VerifyResult } from "./verify.ts";

/** Options of {@link demo}. */
export interface DemoOptions {
  /** Output folder for report.html, results.json and RTTMs (default out/demo). */
  readonly outDir?: string;
  /** Shared data folder (default ../shared/data from the working directory). */
  readonly sharedDir?: string;
  /** Ignore the shared data and use self-generated signals. */
  readonly synthetic?: boolean;
  /** A model-zoo name (must have been pulled) or an ONNX speaker model file, added as a backbone. */
  readonly model?: string;
  /** Execution provider for the ONNX backbones: auto | webgpu | wasm (default) | node. */
  readonly ep?: string;
  /** Also run the TDNN that ships with embedkit (zoo `embedkit-tdnn-librispeech`, default true). */
  readonly trainedTdnn?: boolean;
  /** Also run the onnx-speaker backbone on a seeded random-weight x-vector (default true). */
  readonly randomXvector?: boolean;
  readonly seed?: number;
  /** Cache stage outputs under outDir/work and resume (default true). */
  readonly resume?: boolean;
  readonly registry?: Registry;
  readonly quiet?: boolean;
}

/** What the demo returns (also written to results.json). */
export interface DemoResult {
  readonly data: "shared" | "synthetic";
  readonly notes: string[];
  readonly verification: {
    dataset: string;
    counts: VerifyResult["counts"];
    systems: { label: string; metrics: Record<string, number>; note?: string }[];
  }[];
  readonly diarization: {
    name: string;
    vad: string;
    windows: number;
    systems: { label: string; metrics: Record<string, number> }[];
  }[];
  readonly seed: number;
  readonly seconds: number;
  readonly report: string;
  readonly results: string;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await Deno.stat(p)).isDirectory;
  } catch {
    return false;
  }
}

function toReportTurns(t: readonly RttmTurn[]): Turn[] {
  return t.map((x) => ({ start: x.onset, end: x.onset + x.duration, speaker: x.speaker }));
}

/** Clusterers to compare, with and without the oracle number of speakers, among those registered. */
function clustererSets(r: Registry): { oracle: PluginSpec[]; estimated: PluginSpec[] } {
  const has = (n: string) => r.has("clusterer", n);
  const oracle: PluginSpec[] = [];
  const estimated: PluginSpec[] = [];
  if (has("ahc")) {
    oracle.push({ name: "ahc", label: "AHC (average, cosine), oracle K" });
    // one fixed threshold for every recording (cosine distance of centred embeddings; 1 = orthogonal)
    estimated.push({ name: "ahc", label: "AHC, threshold 0.9", options: { threshold: 0.9 } });
  }
  if (has("spectral")) {
    oracle.push({ name: "spectral", label: "spectral, oracle K" });
    estimated.push({ name: "spectral", label: "spectral, eigengap K" });
  }
  if (has("kmeans")) {
    oracle.push({ name: "kmeans", label: "k-means (cosine), oracle K", options: { metric: "cosine" } });
  }
  if (has("finch")) {
    oracle.push({ name: "finch", label: "FINCH, oracle K" });
    estimated.push({ name: "finch", label: "FINCH, coarsest partition" });
  }
  if (has("finch-ahc")) oracle.push({ name: "finch-ahc", label: "FINCH+AHC, oracle K" });
  return { oracle, estimated };
}

async function diarizeBoth(base: DiarizeOptions, r: Registry, numSpeakers: number): Promise<DiarizeResult[]> {
  const { oracle, estimated } = clustererSets(r);
  const out: DiarizeResult[] = [];
  if (oracle.length) {
    out.push(
      await diarize({
        ...base,
        clusterers: oracle,
        numSpeakers,
        workDir: base.workDir && join(base.workDir, "oracle"),
      }),
    );
  }
  if (estimated.length) {
    out.push(
      await diarize({
        ...base,
        clusterers: estimated,
        workDir: base.workDir && join(base.workDir, "estimated"),
      }),
    );
  }
  return out;
}

function mergeDiar(
  name: string,
  note: string,
  runs: DiarizeResult[],
): { section: DiarizationSection[]; summary: DemoResult["diarization"][number] } {
  const systems = runs.flatMap((r) => r.systems);
  const ref = runs[0]?.reference ?? [];
  // the timeline shows the best system by DER
  const best =
    [...systems].sort((a, b) => (a.metrics["DER %"] ?? Infinity) - (b.metrics["DER %"] ?? Infinity))[0];
  const section: DiarizationSection[] = best
    ? [{
      label: `${name}: best system ${best.label}`,
      metrics: best.metrics,
      reference: toReportTurns(ref),
      hypothesis: toReportTurns(best.turns),
      note,
    }]
    : [];
  return {
    section,
    summary: {
      name,
      vad: runs[0]?.vad.method ?? "",
      windows: runs[0]?.windows ?? 0,
      systems: systems.map((s) => ({ label: s.label, metrics: s.metrics })),
    },
  };
}

/** Runs the demo and writes `report.html` and `results.json` into `outDir`. */
export async function demo(opts: DemoOptions = {}): Promise<DemoResult> {
  const t0 = performance.now();
  const r = reg(opts.registry);
  const seed = opts.seed ?? 20240607;
  const outDir = resolve(opts.outDir ?? "out/demo");
  const work = opts.resume === false ? undefined : join(outDir, "work");
  const sharedDir = resolve(opts.sharedDir ?? "../shared/data");
  const libri = join(sharedDir, "librispeech", "test-other");
  const useShared = !opts.synthetic && await isDir(libri);
  const notes: string[] = [];
  const quiet = opts.quiet;
  if (useShared) {
    notes.push(
      `Data: real recordings from ${sharedDir} (LibriSpeech test-other; pyannote sample; AMI ES2005a VBx x-vectors).`,
    );
  } else {
    notes.push(
      opts.synthetic
        ? "Data: SYNTHETIC signals generated by the demo (asked for with --synthetic); they are not speech, so the numbers only show the pipeline runs."
        : `Data: ${sharedDir} is absent, so the demo generated SYNTHETIC voice-like signals itself; they are not speech, so the numbers only show the pipeline runs.`,
    );
  }
  status(
    `[demo] data: ${useShared ? `shared (${sharedDir})` : "synthetic (self-generated)"}; output ${outDir}`,
  );

  // ---- verification
  const backbones: PluginSpec[] = [{ name: "fbank-stats", label: "fbank-stats" }];
  const epOption = opts.ep ? { ep: opts.ep } : {};
  const shippedTdnn = bundledPath(zooModel(SHIPPED_TDNN));
  if ((opts.trainedTdnn ?? true) && shippedTdnn && r.has("backbone", "onnx-speaker")) {
    backbones.push({
      name: "onnx-speaker",
      label: "TDNN trained by embedkit (train-clean-100)",
      options: { model: shippedTdnn, ...epOption },
    });
    notes.push(
      `TDNN trained by embedkit: zoo model '${SHIPPED_TDNN}' (AAM-softmax, 20 epochs, speed perturbation, on ` +
        "LibriSpeech train-clean-100: speakers disjoint from test-other).",
    );
  }
  if (opts.model) {
    const m = await resolveModel(opts.model);
    backbones.push({ name: "onnx-speaker", label: m.label, options: { ...m.options, ...epOption } });
    notes.push(`Model: ${m.label} from ${m.options.model}.`);
  }
  if ((opts.randomXvector ?? true) && r.has("backbone", "onnx-speaker")) {
    backbones.push({
      name: "onnx-speaker",
      label: "x-vector (random weights, UNTRAINED)",
      options: { model: `random:xvector-small@${seed % 100000}`, ...epOption },
    });
  }
  const synthUtts = useShared ? undefined : syntheticCorpus(8, 6, seed);
  const vBase = {
    data: useShared ? libri : undefined,
    utterances: synthUtts,
    name: useShared ? "LibriSpeech test-other (10 speakers x 10 utterances)" : "synthetic voices (8 x 6)",
    seed,
    resume: opts.resume,
    registry: r,
    quiet,
    nonTargetRatio: 5,
  };
  const vRuns: VerifyResult[] = [
    await verify({ ...vBase, backbones, workDir: work && join(work, "verify") }),
  ];
  const v0 = vRuns[0];
  notes.push(
    `Verification trials: ${v0.counts.target} target (all same-speaker pairs) + ${v0.counts.nonTarget} non-target (seeded sample, seed ${v0.seed}) over ${v0.counts.utterances} utterances of ${v0.counts.speakers} speakers; cosine scoring.`,
  );
  const classes = v0.utterances.map((u) => u.speaker);
  const vSections: VerificationSection[] = vRuns.flatMap((v) =>
    v.systems.map((s) => ({
      label: s.label,
      metrics: s.metrics,
      scores: s.scores,
      labels: v.trials.labels,
      note: [
        s.note,
        s.label.includes("UNTRAINED")
          ? "seeded random weights: shows the ONNX path runs, not a trained model"
          : "",
      ].filter(Boolean).join("; "),
      embeddings: s.embeddings ? { x: s.embeddings, classes } : undefined,
    }))
  );

  // ---- diarization
  const dSections: DiarizationSection[] = [];
  const dSummary: DemoResult["diarization"] = [];
  const rttmOut = join(outDir, "rttm");
  /** One diarization case: oracle-K and estimated-K runs, merged into the report; RTTMs written when named. */
  const diarizeCase = async (
    input: DiarizeOptions,
    workName: string,
    numSpeakers: number,
    title: string,
    note: (runs: DiarizeResult[]) => string,
    rttmPrefix?: string,
    extra?: DiarizeOptions,
  ): Promise<void> => {
    const runs = await diarizeBoth(
      {
        ...input,
        collar: 0.25,
        skipOverlap: true,
        seed,
        resume: opts.resume,
        registry: r,
        quiet,
        workDir: work && join(work, workName),
      },
      r,
      numSpeakers,
    );
    // one more run with its own settings (VBx: raw x-vectors, its PLDA back-end), about 1 s
    if (extra) {
      runs.push(
        await diarize({
          ...input,
          collar: 0.25,
          skipOverlap: true,
          seed,
          resume: opts.resume,
          registry: r,
          quiet,
          ...extra,
          workDir: work && join(work, workName, "extra"),
        }),
      );
    }
    const m = mergeDiar(title, note(runs), runs);
    dSections.push(...m.section);
    dSummary.push(m.summary);
    if (rttmPrefix === undefined) return;
    for (const run of runs) {
      for (const s of run.systems) {
        await writeFileAtomic(join(rttmOut, `${rttmPrefix}.${slug(s.label)}.rttm`), s.rttm);
      }
    }
  };
  const sample = join(sharedDir, "pyannote-sample");
  if (useShared && await isDir(sample)) {
    await diarizeCase(
      {
        audio: join(sample, "sample.wav"),
        reference: join(sample, "sample.rttm"),
        backbone: "fbank-stats",
        vad: "silero",
      },
      "diarize-sample",
      2,
      "pyannote sample.wav (2 speakers, 30 s), fbank-stats on 1.5 s windows every 0.75 s",
      (runs) => `${runs[0]?.vad.method}; DER at collar 0.25 s (md-eval), overlap ignored`,
      "sample",
    );
  } else if (!useShared) {
    const conv = syntheticConversation(40, seed);
    const ref: RttmTurn[] = conv.turns.map((t) => ({
      file: "synthetic",
      channel: "1",
      onset: t.start,
      duration: t.end - t.start,
      speaker: t.speaker,
    }));
    await diarizeCase(
      {
        samples: conv.samples,
        sampleRate: conv.sampleRate,
        file: "synthetic",
        referenceTurns: ref,
        backbone: "fbank-stats",
        vad: "energy",
      },
      "diarize-synthetic",
      2,
      "synthetic 2-voice conversation (40 s), fbank-stats",
      () => "energy VAD; DER at collar 0.25 s (md-eval), overlap ignored",
    );
  }
  const vbx = join(sharedDir, "vbx-es2005a");
  if (useShared && await isDir(vbx)) {
    await diarizeCase(
      {
        embeddings: { ark: join(vbx, "exp", "ES2005a.ark"), segments: join(vbx, "exp", "ES2005a.seg") },
        reference: join(vbx, "example", "rttm", "ES2005a.rttm"),
        file: "ES2005a",
      },
      "diarize-vbx",
      4,
      "AMI ES2005a from the 1025 precomputed VBx x-vectors (4 speakers)",
      () =>
        "x-vectors centred for AHC/spectral/FINCH/k-means; the vbx clusterer uses the raw x-vectors with BUT's " +
        "PLDA back-end and VB-HMM (BUT's own VBx output: 7.06 % DER, collar 0.25 s, overlap ignored)",
      "ES2005a",
      r.has("clusterer", "vbx") && await isDir(join(vbx, "VBx", "models", "ResNet101_16kHz"))
        ? {
          center: false,
          clusterers: [{
            name: "vbx",
            label: "VBx (PLDA + VB-HMM), speakers estimated",
            options: { backend: join(vbx, "VBx", "models", "ResNet101_16kHz") },
          }],
        }
        : undefined,
    );
  }
  if (!dSections.length) notes.push("Diarization: no diarization data found; skipped.");

  const seconds = (performance.now() - t0) / 1000;
  const verification = vRuns.map((v) => ({
    dataset: v.name,
    counts: v.counts,
    systems: v.systems.map((s) => ({
      label: s.label,
      metrics: s.metrics,
      note: s.note || undefined,
      info: s.info,
    })),
    trialsSeed: v.seed,
  }));
  const reportPath = join(outDir, "report.html"), resultsPath = join(outDir, "results.json");
  const allDiar = dSummary.flatMap((d) =>
    d.systems.map((s) =>
      [
        d.name,
        s.label,
        s.metrics["DER %"] ?? NaN,
        s.metrics["JER %"] ?? NaN,
        s.metrics["speakers"] ?? NaN,
      ] as (string | number)[]
    )
  );
  const html = renderReport({
    title: "embedkit demo: speaker verification and diarization",
    notes,
    verification: vSections,
    diarization: dSections,
    tables: allDiar.length
      ? [{
        title: "Every diarization system",
        rows: [["recording", "system", "DER %", "JER %", "speakers"], ...allDiar],
      }]
      : [],
    facts: {
      seed,
      "run time (s)": seconds.toFixed(1),
      "generated": new Date().toISOString(),
      deno: Deno.version.deno,
      "trial scoring": "cosine",
    },
  });
  await writeFileAtomic(reportPath, html);
  const result: DemoResult = {
    data: useShared ? "shared" : "synthetic",
    notes,
    verification,
    diarization: dSummary,
    seed,
    seconds,
    report: reportPath,
    results: resultsPath,
  };
  await writeJsonAtomic(resultsPath, result);
  status(`[demo] wrote ${reportPath} and ${resultsPath} in ${seconds.toFixed(1)} s`);
  return result;
}

/** The speaker model that ships with embedkit (trained by `embedkit train`). */
const SHIPPED_TDNN = "embedkit-tdnn-librispeech";

/** A zoo name (installed file or npm-bundled) or a path to an .onnx file -> onnx-speaker options. */
async function resolveModel(name: string): Promise<{ label: string; options: Record<string, unknown> }> {
  if (name.endsWith(".onnx") || name.includes("/")) {
    try {
      await Deno.stat(name);
    } catch {
      throw new InputError(
        name,
        "no such model file; give a zoo name (deno task embedkit models list) or a path to an .onnx file",
      );
    }
    return { label: `onnx-speaker ${basename(name)}`, options: { model: name } };
  }
  const m = zooModel(name);
  const installed = await installedPath(m);
  if (!installed) {
    throw new ConfigError(
      "demo",
      `zoo model '${name}' is not downloaded; run 'deno task embedkit models pull ${name}' first (the demo itself never downloads)`,
    );
  }
  return {
    label: `${name} (pretrained, zoo)`,
    options: {
      model: installed,
      ...(m.frontend && m.frontend !== "metadata" ? { frontend: m.frontend } : {}),
    },
  };
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}
