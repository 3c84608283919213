/**
 * Stages that load data: speaker-labelled utterances (a data dir, several pooled, or in memory) and
 * verification trials (read from a file or generated, seeded). The readers live below, in core/data.
 * @module
 */
import type { TrialIndex } from "../../contracts/scorer.ts";
import { loadDataDir, type Utterance } from "../../data/datasets.ts";
import { generateTrials, readTrials, type Trial } from "../../data/trials.ts";
import { ConfigError, InputError } from "../../errors.ts";
import { samplesChecksum } from "../../hash.ts";
import type { Run } from "./context.ts";

/** Where utterances come from: one or more data dirs, or utterances in memory. */
export interface DataSource {
  /** Data dir(s): a folder per speaker, a flat folder, or a Kaldi dir (wav.scp + utt2spk [+ trials]). */
  readonly data?: string | readonly string[];
  /** In-memory utterances instead (synthetic data, tests). */
  readonly utterances?: readonly Utterance[];
  /** Maps a folder's speaker name to a speaker id (e.g. one voice recorded in two language folders). */
  readonly speakerOf?: (speaker: string, utt: Utterance) => string;
}

/** Loaded utterances. */
export interface Dataset {
  /** Utterances, speakers mapped by `speakerOf`. */
  readonly utts: Utterance[];
  /** The data dir's own trials file, if it has one. */
  readonly trialsFile?: string;
}

/** What identifies an utterance in a cache key: id, speaker, and its file or its samples' checksum. */
export function utteranceKey(u: Utterance): unknown[] {
  return u.samples
    ? [u.id, u.speaker, u.samples.length, samplesChecksum(u.samples)]
    : [u.id, u.speaker, u.path ?? null];
}

/** The audio files of a data set (for cache fingerprints; none for in-memory audio). */
export function audioFiles(utts: readonly Utterance[]): string[] {
  return utts.flatMap((u) => (u.path && !u.samples ? [u.path] : []));
}

/** Stage `data`: the utterance list (cached; data dirs are fingerprinted). */
export async function loadData(run: Run, src: DataSource, stage = "data"): Promise<Dataset> {
  const dirs = src.data === undefined ? [] : typeof src.data === "string" ? [src.data] : [...src.data];
  if (!dirs.length && !src.utterances) {
    throw new ConfigError(run.name, "give a data dir (data) or utterances");
  }
  const mem = src.utterances;
  const listed = await run.stages.stage(stage, {
    config: { dirs, inMemory: mem ? mem.map(utteranceKey) : null },
    files: dirs,
  }, async () => {
    if (mem) return { utts: mem.map((u) => ({ id: u.id, speaker: u.speaker })), trialsFile: null };
    const utts: Utterance[] = [];
    let trialsFile: string | null = null;
    for (const d of dirs) {
      const l = await loadDataDir(d);
      for (const u of l.utts) utts.push({ id: u.id, speaker: u.speaker, path: u.path });
      if (dirs.length === 1) trialsFile = l.trialsFile ?? null;
    }
    return { utts, trialsFile };
  });
  const utts = (mem ? [...mem] : listed.utts).map((u) =>
    src.speakerOf ? { ...u, speaker: src.speakerOf(u.speaker, u) } : u
  );
  return { utts, ...(listed.trialsFile ? { trialsFile: listed.trialsFile } : {}) };
}

/** Trials as row indices into the data set, with labels (1 target, 0 non-target, -1 unknown). */
export interface TrialSet extends TrialIndex {
  /** Labels per trial. */
  readonly labels: Int8Array;
  /** Whether the trials were generated (not read from a file). */
  readonly generated: boolean;
}

/** Stage `trials`: from `trialsFile` (or the data dir's), else all target pairs + seeded non-targets. */
export async function makeTrials(
  run: Run,
  ds: Dataset,
  o: { readonly trialsFile?: string; readonly nonTargetRatio: number },
): Promise<TrialSet> {
  const byId = new Map(ds.utts.map((u, i) => [u.id, i]));
  const trialsFile = o.trialsFile ?? ds.trialsFile;
  const t = await run.stages.stage("trials", {
    config: {
      trialsFile: trialsFile ?? null,
      nonTargetRatio: o.nonTargetRatio,
      speakers: ds.utts.map((u) => u.speaker),
    },
    inputs: [ds.utts.map((u) => u.id)],
    files: trialsFile ? [trialsFile] : [],
  }, async (ctx) => {
    const list: Trial[] = trialsFile
      ? await readTrials(trialsFile, new Set(byId.keys()))
      : generateTrials(ds.utts, { seed: ctx.seed, nonTargetRatio: o.nonTargetRatio });
    return {
      enroll: Int32Array.from(list, (x) => byId.get(x.enroll)!),
      test: Int32Array.from(list, (x) => byId.get(x.test)!),
      labels: Int8Array.from(list, (x) => x.label),
      generated: !trialsFile,
      seed: ctx.seed,
    };
  });
  if (!t.labels.includes(1) || !t.labels.includes(0)) {
    // fail before any embedding work: EER, minDCF and Cllr need both classes
    throw trialsFile
      ? new InputError(
        trialsFile,
        "needs labelled trials, at least one target and one non-target ('<enroll> <test> target|nontarget')",
      )
      : new ConfigError(
        run.name,
        "the generated trials have no non-target pair: give utterances of two or more speakers and nonTargetRatio > 0",
      );
  }
  return t;
}
