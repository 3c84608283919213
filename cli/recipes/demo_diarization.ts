/**
 * The demo's diarization cases: one recording diarized with every clusterer of the settings, with the
 * oracle number of speakers and with each clusterer's own estimate, merged into one report section (the
 * timeline shows the best system by DER) and one summary; the default diarization (what `embedkit
 * diarize AUDIO` runs, speakers estimated); and the overlap-aware recipe with the oracle segmentation
 * (overlapping turns). RTTMs written under out/demo/rttm.
 * @module
 */
import { writeFileAtomic } from "../../core/atomic.ts";
import type { Turn as RttmTurn } from "../../core/diarization/rttm.ts";
import { join } from "../../core/paths.ts";
import { diarize, type DiarizeOptions, type DiarizeResult } from "../../core/pipelines/diarize.ts";
import { diarizeOverlap } from "../../core/pipelines/diarize_overlap.ts";
import { DIARIZE_PRESET, presetClusterer } from "../../core/pipelines/diarize_defaults.ts";
import type { PluginSpec, RunOptions } from "../../core/pipelines/stages/mod.ts";
import type { Turn } from "../../core/report/charts.ts";
import type { DiarizationSection } from "../../core/report/html.ts";

/** One row of the demo's diarization summary (results.json). */
export interface DiarizationSummary {
  readonly name: string;
  readonly vad: string;
  readonly windows: number;
  readonly systems: { label: string; metrics: Record<string, number> }[];
}

/** Clusterers compared on every recording: with the oracle K, and choosing K themselves. */
export const CLUSTERERS: { readonly oracle: PluginSpec[]; readonly estimated: PluginSpec[] } = {
  oracle: [
    { name: "ahc", label: "AHC (average, cosine), oracle K" },
    { name: "spectral", label: "spectral, oracle K" },
    { name: "kmeans", label: "k-means (cosine), oracle K", options: { metric: "cosine" } },
    { name: "finch", label: "FINCH, oracle K" },
    { name: "finch-ahc", label: "FINCH+AHC, oracle K" },
  ],
  estimated: [
    // one fixed threshold for every recording (cosine distance of centred embeddings; 1 = orthogonal)
    { name: "ahc", label: "AHC, threshold 0.9", options: { threshold: 0.9 } },
    { name: "spectral", label: "spectral, eigengap K" },
    { name: "finch", label: "FINCH, coarsest partition" },
  ],
};

/** What a case needs: the input, the oracle K, its title and note, and an optional extra run (VBx). */
export interface DiarizationCase {
  readonly input: DiarizeOptions;
  readonly workName: string;
  readonly numSpeakers: number;
  readonly title: string;
  note(runs: DiarizeResult[]): string;
  /** File-name prefix of the RTTMs written (none: not written). */
  readonly rttmPrefix?: string;
  /** One more run with its own settings (VBx: raw x-vectors, its PLDA back-end). */
  readonly extra?: DiarizeOptions;
}

function toReportTurns(t: readonly RttmTurn[]): Turn[] {
  return t.map((x) => ({ start: x.onset, end: x.onset + x.duration, speaker: x.speaker }));
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** Runs one case (oracle K, estimated K, extra) and returns its report section and summary. */
export async function diarizationCase(
  c: DiarizationCase,
  common: DiarizeOptions,
  work: string | undefined,
  rttmDir: string,
): Promise<{ section: DiarizationSection[]; summary: DiarizationSummary }> {
  const base = { ...c.input, collar: 0.25, skipOverlap: true, ...common };
  const at = (name: string) => work && join(work, c.workName, name);
  const runs = [
    await diarize({
      ...base,
      clusterers: CLUSTERERS.oracle,
      numSpeakers: c.numSpeakers,
      workDir: at("oracle"),
    }),
    await diarize({ ...base, clusterers: CLUSTERERS.estimated, workDir: at("estimated") }),
    ...(c.extra ? [await diarize({ ...base, ...c.extra, workDir: at("extra") })] : []),
  ];
  if (c.rttmPrefix !== undefined) {
    for (const s of runs.flatMap((r) => r.systems)) {
      await writeFileAtomic(join(rttmDir, `${c.rttmPrefix}.${slug(s.label)}.rttm`), s.rttm);
    }
  }
  const systems = runs.flatMap((r) => r.systems);
  // the timeline shows the best system by DER
  const best =
    [...systems].sort((a, b) => (a.metrics["DER %"] ?? Infinity) - (b.metrics["DER %"] ?? Infinity))[0];
  return {
    section: best
      ? [{
        label: `${c.title}: best system ${best.label}`,
        metrics: best.metrics,
        reference: toReportTurns(runs[0]?.reference ?? []),
        hypothesis: toReportTurns(best.turns),
        note: c.note(runs),
      }]
      : [],
    summary: {
      name: c.title,
      vad: runs[0]?.vad.method ?? "",
      windows: runs[0]?.windows ?? 0,
      systems: systems.map((s) => ({ label: s.label, metrics: s.metrics })),
    },
  };
}

/** A recording to diarize in the demo's default and overlap-aware stages. */
export interface DemoRecording {
  readonly input: Pick<
    DiarizeOptions,
    "audio" | "samples" | "sampleRate" | "file" | "reference" | "referenceTurns"
  >;
  readonly title: string;
  /** Directory name under the work dir. */
  readonly workName: string;
  /** File-name prefix of the RTTM written. */
  readonly rttmPrefix: string;
}

function summaryOf(name: string, r: DiarizeResult): DiarizationSummary {
  return {
    name,
    vad: r.vad.method,
    windows: r.windows,
    systems: r.systems.map((s) => ({ label: s.label, metrics: s.metrics })),
  };
}

async function caseOf(
  rec: DemoRecording,
  r: DiarizeResult,
  note: string,
  rttmDir: string,
): Promise<{ section: DiarizationSection[]; summary: DiarizationSummary }> {
  const s = r.systems[0];
  await writeFileAtomic(join(rttmDir, `${rec.rttmPrefix}.${slug(s.label)}.rttm`), s.rttm);
  return {
    section: [{
      label: `${rec.title}: ${s.label}, ${s.numSpeakers} speaker(s)`,
      metrics: s.metrics,
      reference: toReportTurns(r.reference ?? []),
      hypothesis: toReportTurns(s.turns),
      note: `${note} ${r.pipeline?.why ?? ""}`.trim(),
    }],
    summary: summaryOf(rec.title, r),
  };
}

/**
 * The default diarization, no speaker count: what `embedkit diarize AUDIO` runs (the preset tuned on AMI,
 * core/pipelines/diarize_defaults.ts) for real audio; the library's defaults (fbank-stats with its tuned
 * rule, energy VAD) for the synthetic signals, which are not speech.
 */
export async function defaultDiarizationCase(
  rec: DemoRecording,
  common: RunOptions,
  work: string | undefined,
  rttmDir: string,
  synthetic: boolean,
): Promise<{ section: DiarizationSection[]; summary: DiarizationSummary }> {
  const p = DIARIZE_PRESET;
  const r = await diarize({
    ...rec.input,
    ...common,
    ...(synthetic ? { vad: "energy" } : {
      vad: p.vad,
      backbone: p.backbone,
      window: p.window,
      step: p.step,
      center: p.center,
      clusterers: [presetClusterer(null)],
    }),
    workDir: work && join(work, rec.workName),
  });
  return await caseOf(
    rec,
    r,
    "Speakers estimated (no count given); collar 0.25 s, overlap ignored.",
    rttmDir,
  );
}

/** The overlap-aware recipe with the oracle segmentation: overlapping turns in the timeline. */
export async function overlapCase(
  rec: DemoRecording,
  common: RunOptions,
  work: string | undefined,
  rttmDir: string,
): Promise<{ section: DiarizationSection[]; summary: DiarizationSummary }> {
  const r = await diarizeOverlap({
    ...rec.input,
    ...common,
    segmentation: "oracle",
    workDir: work && join(work, rec.workName),
  });
  return await caseOf(
    rec,
    r,
    "Local speakers of 10 s chunks from the reference (no segmentation weights reach this machine), " +
      "embedded by the shipped TDNN, clustered with cannot-link constraints; overlapped speech scored.",
    rttmDir,
  );
}
