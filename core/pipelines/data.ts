/**
 * Data sets for the pipelines: utterance lists from a folder per speaker or a Kaldi data dir, and
 * seeded trial generation (all target pairs + a seeded sample of non-target pairs).
 * @module
 */
import { ConfigError, InputError } from "../errors.ts";
import { parseTrials, parseUtt2spk, parseWavScp } from "../io/kaldi_data.ts";
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

/** Reads a text input file; a missing or unreadable file is an InputError that says what the file should hold. */
async function readInput(path: string, holds: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : `cannot read it (${(e as Error).message})`;
    throw new InputError(path, `${why}; it should hold ${holds}`);
  }
}

/**
 * A Kaldi-style data dir: `wav.scp` (`<utt> <path>`, relative paths resolved against the dir; piped
 * commands are refused) and `utt2spk`, parsed by core/io/kaldi_data.ts. Trials come from {@link readTrials}.
 */
export async function readKaldiDataDir(dir: string): Promise<Utterance[]> {
  const scpFile = join(dir, "wav.scp"), u2sFile = join(dir, "utt2spk");
  const scp = parseWavScp(await readInput(scpFile, "'<utt> <audio path>' lines"), scpFile);
  if (!scp.length) throw new InputError(scpFile, "no utterances; add '<utt> <audio path>' lines");
  const u2s = parseUtt2spk(await readInput(u2sFile, "'<utt> <speaker>' lines"), u2sFile);
  return scp.map(({ key: id, value, isCommand }) => {
    if (isCommand) {
      throw new InputError(scpFile, `utterance '${id}' is a piped command; embedkit reads audio files only`);
    }
    const spk = u2s.get(id);
    if (spk === undefined) {
      throw new InputError(u2sFile, `utterance '${id}' from wav.scp has no speaker; add '${id} <speaker>'`);
    }
    return { id, speaker: spk, path: value.startsWith("/") ? value : join(dir, value) };
  });
}

/**
 * Reads a trials file (parsed by core/io/kaldi_data.ts): `<enroll> <test> target|nontarget` (Kaldi),
 * `1|0 <enroll> <test>` (VoxCeleb), or two columns (unknown labels). Ids must exist in `known` when given.
 */
export async function readTrials(file: string, known?: ReadonlySet<string>): Promise<Trial[]> {
  const text = await readInput(file, "'<enroll> <test> target|nontarget' lines");
  const parsed = parseTrials(text, file);
  if (!parsed.length) throw new InputError(file, "no trials; the file is empty");
  // file line of each trial (the parser skips blank lines), for errors
  const lineOf = text.split(/\r?\n/).flatMap((l, i) => l.trim() ? [i + 1] : []);
  return parsed.map((t, i) => {
    for (const id of [t.enroll, t.test]) {
      if (known && !known.has(id)) {
        throw new InputError(file, `unknown utterance '${id}' (not in the data set)`, lineOf[i]);
      }
    }
    return { enroll: t.enroll, test: t.test, label: t.target === undefined ? -1 : t.target ? 1 : 0 };
  });
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
  if (!(ratio >= 0)) {
    throw new ConfigError("trials", `nonTargetRatio must be >= 0 (Infinity = all pairs), got ${ratio}`);
  }
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

/** Trials as text: `<enroll> <test> target|nontarget`, or `<enroll> <test>` when the label is unknown (as {@link readTrials} reads it). */
export function formatTrials(trials: readonly Trial[]): string {
  return trials.map((t) =>
    t.label === -1
      ? `${t.enroll} ${t.test}`
      : `${t.enroll} ${t.test} ${t.label === 1 ? "target" : "nontarget"}`
  ).join("\n") + "\n";
}

/** Finds the data layout of `dir`: Kaldi data dir (wav.scp) or a folder per speaker; trials if present. */
export async function loadDataDir(
  dir: string,
): Promise<{ utts: Utterance[]; trialsFile?: string; layout: string }> {
  const exists = async (p: string) => await Deno.stat(p).then(() => true, () => false);
  const kaldi = await exists(join(dir, "wav.scp"));
  const utts = kaldi ? await readKaldiDataDir(dir) : await listSpeakerFolders(dir);
  const trialsFile = await exists(join(dir, "trials")) ? join(dir, "trials") : undefined;
  return { utts, trialsFile, layout: kaldi ? "kaldi" : `folder per speaker (${basename(dir)})` };
}
