/**
 * `embedkit diarize`: audio (or precomputed embeddings) -> RTTM, and DER/JER, speech detection and
 * purity/coverage with a reference. With no options it runs the preset tuned on AMI (core/pipelines/
 * diarize_defaults.ts) and estimates the number of speakers; which recipe runs (windows, overlap-aware
 * segmentation, online) and why is printed and written in the JSON (core/pipelines/diarize_choose.ts).
 * @module
 */
import type { Command, ParsedArgs } from "../common.ts";
import { emit, numberOpt, UsageError } from "../common.ts";
import { diarize } from "../../core/pipelines/diarize.ts";
import { diarizeOverlap } from "../../core/pipelines/diarize_overlap.ts";
import { diarizeOnline } from "../../core/pipelines/diarize_online.ts";
import { type Choice, choosePipeline } from "../../core/pipelines/diarize_choose.ts";
import { DIARIZE_PRESET, presetClusterer } from "../../core/pipelines/diarize_defaults.ts";
import type { DiarizeResult } from "../../core/pipelines/diarize_types.ts";
import type { PluginSpec } from "../../core/pipelines/stages/mod.ts";
import { writeFileAtomic } from "../../core/atomic.ts";
import { status } from "../../core/progress.ts";
import {
  backboneSpecs,
  EMBEDDING_INPUT_OPTIONS,
  embeddingInput,
  EP_OPTION,
  parseSpec,
  runOptions,
  specs,
} from "./pipeline_args.ts";

/** `name:key=value,...` text of a spec (the preset's defaults, shown in --help). */
function specText(s: PluginSpec): string {
  const o = Object.entries(s.options ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
  return o ? `${s.name}:${o}` : s.name;
}

const COUNT = { integer: true, min: 1 };

export const diarizeCommand: Command = {
  summary:
    "speaker diarization: the number of speakers estimated by default; overlap-aware with a segmentation model; --online streams",
  usage:
    "AUDIO | --ark FILE --segments FILE  [--reference RTTM] [--speakers N | --min-speakers N --max-speakers N] " +
    "[--segmentation SPEC|oracle|none] [--online --latency S] [--rttm FILE]",
  options: {
    ...EP_OPTION,
    ...EMBEDDING_INPUT_OPTIONS,
    reference: { type: "string", help: "reference RTTM (it may list several recordings): score the result" },
    segmentation: {
      type: "string",
      help:
        "local speakers: a segmentation model (zoo:pyannote-segmentation-3.0, random:pyannet, FILE.onnx, a segmenter spec), " +
        "oracle (from --reference), none (windows), vad (online); default: the installed zoo model, else none",
      default: "auto",
    },
    online: {
      type: "boolean",
      help: "stream the audio and decide each turn --latency seconds after it arrives",
    },
    latency: {
      type: "string",
      help: "with --online: decision latency (default 2)",
      number: { min: 0.5, max: 5, unit: "s" },
    },
    vad: {
      type: "string",
      help:
        "speech detection: a vad plugin spec (silero, energy:relThreshold=0.4, ...), reference (oracle) or none",
      default: specText(DIARIZE_PRESET.vad),
    },
    window: { type: "string", help: "window length (s)", default: String(DIARIZE_PRESET.window) },
    step: { type: "string", help: "window step (s)", default: String(DIARIZE_PRESET.step) },
    backbone: {
      type: "string",
      help: "backbone spec NAME[:k=v,...]",
      default: specText(DIARIZE_PRESET.backbone),
    },
    backend: {
      type: "string",
      multiple: true,
      help: "adapter spec applied before clustering (fitted on this recording)",
    },
    "no-center": { type: "boolean", help: "do not subtract the recording's mean embedding" },
    clusterer: {
      type: "string",
      multiple: true,
      help: `clusterer spec (repeat to compare; default: ${
        specText(DIARIZE_PRESET.clusterer)
      }, tuned on AMI)`,
    },
    speakers: { type: "string", help: "known number of speakers" },
    "min-speakers": { type: "string", help: "fewest speakers to estimate", number: COUNT },
    "max-speakers": { type: "string", help: "most speakers to estimate", number: COUNT },
    collar: { type: "string", help: "DER collar in seconds (+-collar, md-eval)", default: "0.25" },
    "score-overlap": {
      type: "boolean",
      help: "score overlapped reference speech too (default: ignored; always scored with a segmentation)",
    },
    file: { type: "string", help: "recording id for the RTTM and the reference (default: the file name)" },
    "sample-rate": { type: "string", help: "sample rate of the audio (Hz)", default: "16000" },
    ...runOptions("out/diarize/work", "write the (first) system's RTTM here"),
  },
  async run(args) {
    const { audio, embeddings } = embeddingInput(args);
    const speakers = counts(args);
    if (args.values.latency !== undefined && !args.values.online) {
      throw new UsageError("--latency needs --online");
    }
    const choice = await choosePipeline(
      {
        embeddings: !!embeddings,
        online: !!args.values.online,
        segmentation: args.values.segmentation as string,
      },
      (s) => parseSpec(s, "segmenter"),
    );
    const reference = args.values.reference as string | undefined;
    if ((choice.segmentation === "oracle" || args.values.vad === "reference") && !reference) {
      throw new UsageError(
        `${
          choice.segmentation === "oracle" ? "--segmentation oracle" : "--vad reference"
        } needs --reference RTTM`,
      );
    }
    status(`[diarize] pipeline: ${choice.name}: ${choice.why}`);
    const r = await runChoice(choice, args, { audio, embeddings, reference, ...speakers });
    if (args.values.rttm && r.systems[0]) {
      await writeFileAtomic(args.values.rttm as string, r.systems[0].rttm);
    }
    for (const n of r.notes ?? []) status(`[diarize] note: ${n}`);
    const s = r.systems[0];
    if (s) {
      status(
        `[diarize] ${s.numSpeakers} speaker(s) ${speakers.numSpeakers ? "(given)" : "estimated"}: ${s.label}`,
      );
    }
    await emit(args, JSON.stringify(summary(r, choice), null, 2));
    return 0;
  },
};

/** --speakers, --min-speakers, --max-speakers, checked together. */
function counts(args: ParsedArgs): { numSpeakers?: number; minSpeakers?: number; maxSpeakers?: number } {
  const numSpeakers = numberOpt(args, "speakers");
  const lo = args.values["min-speakers"] !== undefined ? Number(args.values["min-speakers"]) : undefined;
  const hi = args.values["max-speakers"] !== undefined ? Number(args.values["max-speakers"]) : undefined;
  if (numSpeakers !== undefined && (lo !== undefined || hi !== undefined)) {
    throw new UsageError(
      "give --speakers N (known) or --min-speakers/--max-speakers (bounds of the estimate), not both",
    );
  }
  if (lo !== undefined && hi !== undefined && lo > hi) {
    throw new UsageError(`--min-speakers (${lo}) must be <= --max-speakers (${hi})`);
  }
  return { numSpeakers, minSpeakers: lo, maxSpeakers: hi };
}

type Inputs = {
  audio?: string;
  embeddings?: { ark: string; segments: string };
  reference?: string;
  numSpeakers?: number;
  minSpeakers?: number;
  maxSpeakers?: number;
};

/** Runs the chosen recipe with the command line's options. */
async function runChoice(choice: Choice, args: ParsedArgs, i: Inputs): Promise<DiarizeResult> {
  const v = args.values;
  const common = {
    audio: i.audio,
    reference: i.reference,
    file: v.file as string | undefined,
    seed: numberOpt(args, "seed"),
    workDir: v.work as string,
    resume: !v.fresh,
  };
  const backbone = backboneSpecs(args, v.backbone as string)![0];
  const collar = numberOpt(args, "collar")!, sampleRate = numberOpt(args, "sample-rate")!;
  const count = {
    numSpeakers: i.numSpeakers ?? null,
    minSpeakers: i.minSpeakers ?? null,
    maxSpeakers: i.maxSpeakers ?? null,
  };
  if (choice.name === "online") {
    return await diarizeOnline({
      ...common,
      segmentation: choice.segmentation as PluginSpec | "vad" | "oracle",
      vad: parseSpec(v.vad as string, "vad"),
      backbone,
      config: {
        sampleRate,
        latency: numberOpt(args, "latency") ?? 2,
        collar,
        skipOverlap: !v["score-overlap"],
        // a stream has no count to cut to: --speakers/--max-speakers bound its speaker memory
        ...(i.maxSpeakers ?? i.numSpeakers ? { maxSpeakers: i.maxSpeakers ?? i.numSpeakers } : {}),
      },
    });
  }
  if (choice.name === "segmentation") {
    return await diarizeOverlap({
      ...common,
      segmentation: choice.segmentation as PluginSpec | "oracle",
      backbone: v.backbone === specText(DIARIZE_PRESET.backbone) ? undefined : backbone,
      config: { sampleRate, clustering: count, scoring: { collar, skipOverlap: false } },
    });
  }
  const vad = v.vad as string;
  // the preset's rule goes with the preset's embeddings; another backbone gets the rule tuned for it
  const clusterers = specs(v.clusterer, "clusterer") ??
    (!i.embeddings && backbone.name === DIARIZE_PRESET.backbone.name &&
        backbone.options?.model === DIARIZE_PRESET.backbone.options?.model
      ? [presetClusterer(i.numSpeakers ?? null)]
      : undefined);
  return await diarize({
    ...common,
    embeddings: i.embeddings,
    vad: ["reference", "none"].includes(vad) ? vad : parseSpec(vad, "vad"),
    window: numberOpt(args, "window"),
    step: numberOpt(args, "step"),
    backbone,
    backend: specs(v.backend),
    center: !v["no-center"] && DIARIZE_PRESET.center,
    clusterers,
    numSpeakers: i.numSpeakers,
    minSpeakers: i.minSpeakers,
    maxSpeakers: i.maxSpeakers,
    collar,
    skipOverlap: !v["score-overlap"],
    sampleRate,
  });
}

function summary(r: DiarizeResult, choice: Choice) {
  return {
    file: r.file,
    source: r.source,
    pipeline: { name: choice.name, why: choice.why },
    notes: r.notes ?? [],
    vad: r.vad,
    windows: r.windows,
    dim: r.dim,
    scoring: r.scoring,
    seed: r.seed,
    systems: r.systems.map((s) => ({
      label: s.label,
      numSpeakers: s.numSpeakers,
      metrics: s.metrics,
      extra: s.extra,
      rttm: s.rttm,
    })),
    stages: r.stages,
  };
}
