/**
 * Kaldi data-directory files: wav.scp, utt2spk, spk2utt, segments and trial lists. Readers keep
 * file order, refuse duplicate keys and malformed lines with an InputError naming file:line;
 * writers are atomic (temp file + rename) and sort nothing (Kaldi wants sorted keys: use sortKaldi).
 * Lines may hold any UTF-8 ids (AMI has "MÉO069"); fields are separated by whitespace.
 * @module
 */
import { writeFileAtomic } from "../atomic.ts";
import { InputError } from "../errors.ts";

/** One wav.scp entry: `value` is a path, or a command when it ends with "|" (isCommand). */
export interface WavScpEntry {
  key: string;
  value: string;
  isCommand: boolean;
}

/** One segments line: utterance `utt` is [start, end) seconds of recording `reco`; end -1 = to the end. */
export interface Segment {
  utt: string;
  reco: string;
  start: number;
  end: number;
}

/** One trial: enrolment id, test id and (when the list has a third column) whether it is a target. */
export interface Trial {
  enroll: string;
  test: string;
  target?: boolean;
}

function lines(text: string): { line: number; fields: string[]; raw: string }[] {
  const out: { line: number; fields: string[]; raw: string }[] = [];
  text.replace(/^\uFEFF/, "").split(/\r?\n/).forEach((raw, i) => {
    const t = raw.trim();
    if (t === "") return;
    out.push({ line: i + 1, fields: t.split(/\s+/), raw: t });
  });
  return out;
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new InputError(path, "no such file");
    throw new InputError(path, `cannot read: ${(e as Error).message}`);
  }
}

function noDup(seen: Map<string, number>, key: string, file: string, line: number): void {
  const prev = seen.get(key);
  if (prev !== undefined) {
    throw new InputError(file, `duplicate key '${key}' (first seen on line ${prev})`, line);
  }
  seen.set(key, line);
}

/** Parses wav.scp text: `<key> <path>` or `<key> <command ... |>`. */
export function parseWavScp(text: string, file = "wav.scp"): WavScpEntry[] {
  const seen = new Map<string, number>();
  return lines(text).map(({ line, fields, raw }) => {
    if (fields.length < 2) {
      throw new InputError(file, `expected '<recording-id> <path or command |>', got '${raw}'`, line);
    }
    noDup(seen, fields[0], file, line);
    const value = raw.slice(fields[0].length).trim();
    return { key: fields[0], value, isCommand: value.endsWith("|") };
  });
}

/** Parses a two-column table (utt2spk and the like) into a Map in file order. */
export function parseTwoColumn(text: string, file: string, what = "<key> <value>"): Map<string, string> {
  const m = new Map<string, string>(), seen = new Map<string, number>();
  for (const { line, fields, raw } of lines(text)) {
    if (fields.length !== 2) {
      throw new InputError(file, `expected '${what}', got ${fields.length} field(s): '${raw}'`, line);
    }
    noDup(seen, fields[0], file, line);
    m.set(fields[0], fields[1]);
  }
  return m;
}

/** Parses utt2spk. */
export function parseUtt2spk(text: string, file = "utt2spk"): Map<string, string> {
  return parseTwoColumn(text, file, "<utterance-id> <speaker-id>");
}

/** Parses spk2utt: `<spk> <utt1> <utt2> ...`. */
export function parseSpk2utt(text: string, file = "spk2utt"): Map<string, string[]> {
  const m = new Map<string, string[]>(), seen = new Map<string, number>(), utts = new Map<string, number>();
  for (const { line, fields, raw } of lines(text)) {
    if (fields.length < 2) {
      throw new InputError(file, `expected '<speaker-id> <utt-id> [<utt-id> ...]', got '${raw}'`, line);
    }
    noDup(seen, fields[0], file, line);
    for (const u of fields.slice(1)) {
      const prev = utts.get(u);
      if (prev !== undefined) {
        throw new InputError(file, `utterance '${u}' is listed twice (also on line ${prev})`, line);
      }
      utts.set(u, line);
    }
    m.set(fields[0], fields.slice(1));
  }
  return m;
}

/** Parses segments: `<utt> <reco> <start> <end>` (seconds; end -1 means to the end of the recording). */
export function parseSegments(text: string, file = "segments"): Segment[] {
  const seen = new Map<string, number>();
  return lines(text).map(({ line, fields, raw }) => {
    if (fields.length !== 4) {
      throw new InputError(
        file,
        `expected '<utterance-id> <recording-id> <start> <end>', got '${raw}'`,
        line,
      );
    }
    const start = Number(fields[2]), end = Number(fields[3]);
    if (!Number.isFinite(start) || start < 0) {
      throw new InputError(file, `start time '${fields[2]}' is not a number >= 0`, line);
    }
    if (!Number.isFinite(end) || (end !== -1 && end <= start)) {
      throw new InputError(
        file,
        `end time '${fields[3]}' must be greater than start ${start} (or -1 for 'to the end')`,
        line,
      );
    }
    noDup(seen, fields[0], file, line);
    return { utt: fields[0], reco: fields[1], start, end };
  });
}

const TARGET = new Set(["target", "1", "true", "tgt"]);
const NONTARGET = new Set(["nontarget", "0", "false", "non-target", "imp", "imposter", "impostor"]);

/**
 * A trial label token (any case) as target (true) / non-target (false), undefined when it is neither;
 * shared by trial lists and score files so both accept the same words.
 */
export function trialLabel(token: string): boolean | undefined {
  const l = token.toLowerCase();
  return TARGET.has(l) ? true : NONTARGET.has(l) ? false : undefined;
}

/** Parses a trial list: `<enroll> <test> [target|nontarget|1|0]` (Kaldi / VoxCeleb style). */
export function parseTrials(text: string, file = "trials"): Trial[] {
  let withLabels: boolean | undefined;
  const labelOf = new Map<string, { target: boolean; line: number }>(); // contradictions are refused
  return lines(text).map(({ line, fields, raw }) => {
    if (fields.length < 2 || fields.length > 3) {
      throw new InputError(file, `expected '<enroll-id> <test-id> [target|nontarget]', got '${raw}'`, line);
    }
    // VoxCeleb lists put the label first: `1 id10270/x.wav id10270/y.wav`.
    let [a, b, c] = fields;
    if (fields.length === 3 && (a === "0" || a === "1") && trialLabel(c) === undefined) {
      [c, a, b] = [a, b, c];
    }
    const has = fields.length === 3;
    if (withLabels === undefined) withLabels = has;
    else if (withLabels !== has) {
      throw new InputError(file, "some trials have a label column and some do not", line);
    }
    if (!has) return { enroll: a, test: b };
    const target = trialLabel(c);
    if (target === undefined) {
      throw new InputError(file, `label '${c}' is neither target nor nontarget (also accepted: 1/0)`, line);
    }
    const seen = labelOf.get(`${a}\u0000${b}`);
    if (seen && seen.target !== target) {
      throw new InputError(
        file,
        `trial '${a} ${b}' is ${target ? "target" : "nontarget"} here but ${
          seen.target ? "target" : "nontarget"
        } on line ${seen.line}; a pair has one label: fix or drop one of the lines`,
        line,
      );
    }
    labelOf.set(`${a}\u0000${b}`, { target, line });
    return { enroll: a, test: b, target };
  });
}

/** Reads wav.scp. */
export function readWavScp(path: string): WavScpEntry[] {
  return parseWavScp(readText(path), path);
}
/** Reads utt2spk. */
export function readUtt2spk(path: string): Map<string, string> {
  return parseUtt2spk(readText(path), path);
}
/** Reads spk2utt. */
export function readSpk2utt(path: string): Map<string, string[]> {
  return parseSpk2utt(readText(path), path);
}
/** Reads segments. */
export function readSegments(path: string): Segment[] {
  return parseSegments(readText(path), path);
}
/** Reads a trial list. */
export function readTrials(path: string): Trial[] {
  return parseTrials(readText(path), path);
}

/** utt2spk -> spk2utt (speakers and their utterances in first-seen order). */
export function utt2spkToSpk2utt(u2s: Map<string, string>): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [u, s] of u2s) {
    const l = m.get(s);
    if (l) l.push(u);
    else m.set(s, [u]);
  }
  return m;
}

/** spk2utt -> utt2spk. */
export function spk2uttToUtt2spk(s2u: Map<string, string[]>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [s, us] of s2u) for (const u of us) m.set(u, s);
  return m;
}

/** Kaldi's key order (C locale: byte order of the UTF-8 text). */
export function sortKaldi<T>(items: T[], key: (t: T) => string): T[] {
  const enc = new TextEncoder();
  const cmp = (x: string, y: string) => {
    const a = enc.encode(x), b = enc.encode(y);
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  };
  return [...items].sort((p, q) => cmp(key(p), key(q)));
}

function checkId(id: string, what: string): void {
  if (id === "" || /\s/.test(id)) {
    throw new RangeError(`${what} '${id}' is empty or contains whitespace; Kaldi ids cannot`);
  }
}

/** Formats wav.scp text. */
export function formatWavScp(entries: { key: string; value: string }[]): string {
  return entries.map((e) => (checkId(e.key, "recording id"), `${e.key} ${e.value}\n`)).join("");
}
/** Formats a two-column table (utt2spk). */
export function formatTwoColumn(m: Map<string, string>): string {
  return [...m].map(([k, v]) => (checkId(k, "id"), checkId(v, "id"), `${k} ${v}\n`)).join("");
}
/** Formats spk2utt. */
export function formatSpk2utt(m: Map<string, string[]>): string {
  return [...m].map(([s, us]) => (checkId(s, "speaker id"), `${s} ${us.join(" ")}\n`)).join("");
}
/** Formats segments (times with up to 3 decimals, like Kaldi recipes). */
export function formatSegments(segs: Segment[]): string {
  const t = (x: number) => (x === -1 ? "-1" : String(Math.round(x * 1000) / 1000));
  return segs.map((s) => {
    checkId(s.utt, "utterance id");
    checkId(s.reco, "recording id");
    return `${s.utt} ${s.reco} ${t(s.start)} ${t(s.end)}\n`;
  }).join("");
}
/** Formats trials (labels as target/nontarget when present). */
export function formatTrials(trials: Trial[]): string {
  return trials.map((t) => {
    checkId(t.enroll, "enrollment id");
    checkId(t.test, "test id");
    return `${t.enroll} ${t.test}${t.target === undefined ? "" : t.target ? " target" : " nontarget"}\n`;
  }).join("");
}

/** Writes wav.scp atomically. */
export async function writeWavScp(path: string, e: { key: string; value: string }[]): Promise<void> {
  await writeFileAtomic(path, formatWavScp(e));
}
/** Writes utt2spk atomically. */
export async function writeUtt2spk(path: string, m: Map<string, string>): Promise<void> {
  await writeFileAtomic(path, formatTwoColumn(m));
}
/** Writes spk2utt atomically. */
export async function writeSpk2utt(path: string, m: Map<string, string[]>): Promise<void> {
  await writeFileAtomic(path, formatSpk2utt(m));
}
/** Writes segments atomically. */
export async function writeSegments(path: string, s: Segment[]): Promise<void> {
  await writeFileAtomic(path, formatSegments(s));
}
/** Writes a trial list atomically. */
export async function writeTrials(path: string, t: Trial[]): Promise<void> {
  await writeFileAtomic(path, formatTrials(t));
}
