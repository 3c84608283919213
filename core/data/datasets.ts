/**
 * Speaker-labelled data sets: utterance lists from a folder per speaker (LibriSpeech style), a flat
 * folder of `<speaker>-<utt>` files, or a Kaldi data dir (wav.scp + utt2spk, parsed by
 * core/io/kaldi_data.ts); trials live in ./trials.ts.
 * @module
 */
import { InputError } from "../errors.ts";
import { parseUtt2spk, parseWavScp } from "../io/kaldi_data.ts";
import { basename, exists, extname, join, relative } from "../paths.ts";

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
export async function readInput(path: string, holds: string): Promise<string> {
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

/** Speaker index per item (0..S-1 in the order of `speakers`, default first-seen), without an O(n*S) indexOf. */
export function speakerIndex(
  items: readonly string[],
  speakers: readonly string[] = [...new Set(items)],
): Int32Array {
  const ids = new Map(speakers.map((s, i) => [s, i]));
  return Int32Array.from(items, (s) => ids.get(s) ?? -1);
}

/** Finds the data layout of `dir`: Kaldi data dir (wav.scp) or a folder per speaker; trials if present. */
export async function loadDataDir(
  dir: string,
): Promise<{ utts: Utterance[]; trialsFile?: string; layout: string }> {
  const kaldi = await exists(join(dir, "wav.scp"));
  const utts = kaldi ? await readKaldiDataDir(dir) : await listSpeakerFolders(dir);
  const trialsFile = await exists(join(dir, "trials")) ? join(dir, "trials") : undefined;
  return { utts, trialsFile, layout: kaldi ? "kaldi" : `folder per speaker (${basename(dir)})` };
}
