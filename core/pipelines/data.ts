/**
 * Data sets for the pipelines: utterance lists from a folder per speaker or a Kaldi data dir, and
 * seeded trial generation (all target pairs + a seeded sample of non-target pairs).
 * @module
 */
import { InputError } from "../errors.ts";
import { basename, extname, join, relative } from "../paths.ts";
import { Rng } from "../random.ts";

/** One utterance: where its audio is and who speaks. */
export interface Utterance {
  readonly id: string;
  readonly speaker: string;
  /** Audio file (absent for in-memory utterances). */
  readonly path?: string;
  /** In-memory samples (synthetic data). */
  readonly samples?: Float32Array;
  readonly sampleRate?: number;
}

/** A trial between two utterance ids. */
export interface Trial {
  readonly enroll: string;
  readonly test: string;
  /** 1 target, 0 non-target, -1 unknown. */
  readonly label: 1 | 0 | -1;
}

const AUDIO_EXT = new Set([".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a"]);

async function audioFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await audioFilesUnder(p));
    else if (e.isFile && AUDIO_EXT.has(extname(e.name).toLowerCase())) out.push(p);
  }
  return out.sort();
}

/**
 * A folder per speaker (LibriSpeech style: `dir/<speaker>/.../*.flac`): every audio file under a
 * speaker's folder is one utterance; its id is the path relative to `dir` without extension. A flat
 * folder (no sub-folders) of files named `<speaker>-<rest>` or `<speaker>_<rest>` works too.
 */
export async function listSpeakerFolders(dir: string): Promise<Utterance[]> {
  const speakers: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isDirectory) speakers.push(e.name);
  } catch (e) {
    throw new InputError(
      dir,
      `cannot read the data folder (${(e as Error).message}); give a folder per speaker or a Kaldi data dir`,
    );
  }
  speakers.sort();
  const utts: Utterance[] = [];
  if (!speakers.length) {
    // a flat folder of LibriSpeech/VoxCeleb-style names: the speaker is the part before the first '-' or '_'
    for (const p of await audioFilesUnder(dir)) {
      const name = basename(p, extname(p));
      const m = /^([^-_]+)[-_]/.exec(name);
      if (m) utts.push({ id: name, speaker: m[1], path: p });
    }
  }
  for (const spk of speakers) {
    for (const p of await audioFilesUnder(join(dir, spk))) {
      const rel = relative(dir, p);
      utts.push({ id: rel.slice(0, rel.length - extname(rel).length), speaker: spk, path: p });
    }
  }
  if (!utts.length) {
    throw new InputError(
      dir,
      "no audio files found; expected <dir>/<speaker>/*.{wav,flac,mp3,ogg}, <dir>/<speaker>-<utt>.flac or wav.scp + utt2spk",
    );
  }
  return utts;
}

function parseTwoColumn(text: string, file: string): Map<string, string> {
  const m = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t) return;
    const sp = t.search(/\s/);
    if (sp < 0) throw new InputError(file, `expected '<id> <value>', got '${t}'`, i + 1);
    const k = t.slice(0, sp), v = t.slice(sp).trim();
    if (m.has(k)) throw new InputError(file, `duplicate id '${k}'`, i + 1);
    m.set(k, v);
  });
  return m;
}

/**
 * A Kaldi-style data dir: `wav.scp` (`<utt> <path>`, relative paths resolved against the dir; piped
 * commands are refused) and `utt2spk`. Trials come from {@link readTrials}.
 */
export async function readKaldiDataDir(dir: string): Promise<Utterance[]> {
  const scpFile = join(dir, "wav.scp"), u2sFile = join(dir, "utt2spk");
  const scp = parseTwoColumn(await Deno.readTextFile(scpFile), scpFile);
  const u2s = parseTwoColumn(await Deno.readTextFile(u2sFile), u2sFile);
  const utts: Utterance[] = [];
  for (const [id, spec] of scp) {
    if (spec.endsWith("|")) {
      throw new InputError(scpFile, `utterance '${id}' is a piped command; embedkit reads audio files only`);
    }
    const spk = u2s.get(id);
    if (spk === undefined) {
      throw new InputError(u2sFile, `utterance '${id}' from wav.scp has no speaker; add '${id} <speaker>'`);
    }
    utts.push({ id, speaker: spk, path: spec.startsWith("/") ? spec : join(dir, spec) });
  }
  return utts;
}

/**
 * Reads a trials file: `<enroll> <test> target|nontarget` (Kaldi) or `1|0 <enroll> <test>` (VoxCeleb),
 * or two columns (unknown labels). Ids must exist in `known` when given.
 */
export async function readTrials(file: string, known?: ReadonlySet<string>): Promise<Trial[]> {
  const trials: Trial[] = [];
  (await Deno.readTextFile(file)).split(/\r?\n/).forEach((line, i) => {
    const f = line.trim().split(/\s+/);
    if (f.length === 1 && !f[0]) return;
    let t: Trial;
    if (f.length === 3 && /^(target|nontarget)$/.test(f[2])) {
      t = { enroll: f[0], test: f[1], label: f[2] === "target" ? 1 : 0 };
    } else if (f.length === 3 && /^[01]$/.test(f[0])) {
      t = { enroll: f[1], test: f[2], label: f[0] === "1" ? 1 : 0 };
    } else if (f.length === 2) t = { enroll: f[0], test: f[1], label: -1 };
    else {
      throw new InputError(
        file,
        `expected '<enroll> <test> target|nontarget' or '1|0 <enroll> <test>', got '${line.trim()}'`,
        i + 1,
      );
    }
    for (const id of [t.enroll, t.test]) {
      if (known && !known.has(id)) {
        throw new InputError(file, `unknown utterance '${id}' (not in the data set)`, i + 1);
      }
    }
    trials.push(t);
  });
  if (!trials.length) throw new InputError(file, "no trials; the file is empty");
  return trials;
}

/** Options of {@link generateTrials}. */
export interface TrialOptions {
  readonly seed: number;
  /** Non-target trials per target trial (sampled without replacement); Infinity = all pairs. */
  readonly nonTargetRatio?: number;
}

/**
 * All target pairs (i < j, same speaker) plus a seeded sample of non-target pairs (different
 * speakers), in a deterministic order (targets first, then sampled non-targets in pair order).
 */
export function generateTrials(utts: readonly Utterance[], opts: TrialOptions): Trial[] {
  const target: Trial[] = [];
  const nonPairs: [number, number][] = [];
  for (let i = 0; i < utts.length; i++) {
    for (let j = i + 1; j < utts.length; j++) {
      if (utts[i].speaker === utts[j].speaker) {
        target.push({ enroll: utts[i].id, test: utts[j].id, label: 1 });
      } else nonPairs.push([i, j]);
    }
  }
  if (!target.length) {
    throw new InputError("trials", "no speaker has two utterances, so there are no target trials");
  }
  const ratio = opts.nonTargetRatio ?? 5;
  const want = Math.min(
    nonPairs.length,
    Number.isFinite(ratio) ? Math.round(ratio * target.length) : nonPairs.length,
  );
  const order = new Rng(opts.seed).shuffle(Array.from({ length: nonPairs.length }, (_, k) => k)) as number[];
  const pick = order.slice(0, want).sort((a, b) => a - b);
  return [
    ...target,
    ...pick.map((k) => ({
      enroll: utts[nonPairs[k][0]].id,
      test: utts[nonPairs[k][1]].id,
      label: 0 as const,
    })),
  ];
}

/** Trials as text: `<enroll> <test> target|nontarget`. */
export function formatTrials(trials: readonly Trial[]): string {
  return trials.map((t) =>
    `${t.enroll} ${t.test} ${t.label === 1 ? "target" : t.label === 0 ? "nontarget" : "unknown"}`
  ).join("\n") + "\n";
}

/** Finds the data layout of `dir`: Kaldi data dir (wav.scp) or a folder per speaker; trials if present. */
export async function loadDataDir(
  dir: string,
): Promise<{ utts: Utterance[]; trialsFile?: string; layout: string }> {
  const exists = async (p: string) => await Deno.stat(p).then(() => true, () => false);
  const utts = await exists(join(dir, "wav.scp"))
    ? await readKaldiDataDir(dir)
    : await listSpeakerFolders(dir);
  const trialsFile = await exists(join(dir, "trials")) ? join(dir, "trials") : undefined;
  return {
    utts,
    trialsFile,
    layout: await exists(join(dir, "wav.scp")) ? "kaldi" : `folder per speaker (${basename(dir)})`,
  };
}
