/**
 * RTTM and UEM reading/writing, and the segment-list helpers the diarization metrics use.
 *
 * RTTM: `SPEAKER <file> <chnl> <onset> <dur> <NA> <NA> <speaker> <NA> [<NA>]`, one turn a line; the other
 * record types of the NIST RT-09 evaluation plan (SPKR-INFO, LEXEME, SEGMENT, NOSCORE, ...) are read past.
 * An upper-case type that is not one of them is skipped too, but counted and reported once per file
 * (stderr, or `onWarning`), naming near-misses of SPEAKER (`SPEAKR`: edit distance <= 2) so a typo
 * cannot silently empty a reference. UEM: `<file> <chnl> <onset> <offset>`, several
 * regions per file allowed. Both: UTF-8 (non-ASCII file and speaker ids kept as they are), LF or CRLF,
 * blank lines and comment lines (first non-blank character `;` or `#`, as md-eval skips them) ignored.
 * @module
 */
import { InputError } from "../errors.ts";
import { readInputBytes } from "../io/input_bytes.ts";
import { writeFileAtomic } from "../atomic.ts";
import { editDistance } from "../config.ts";

/** RTTM record types of the NIST RT-09 evaluation plan (appendix A); SPEAKER is the one read as turns. */
export const RTTM_TYPES: ReadonlySet<string> = new Set([
  "SPEAKER",
  "SPKR-INFO",
  "SEGMENT",
  "NOSCORE",
  "NO_RT_METADATA",
  "LEXEME",
  "NON-LEX",
  "NON-SPEECH",
  "FILLER",
  "EDIT",
  "IP",
  "CB",
  "A/P",
  "SU",
]);

/** Options for {@link parseRttm} / {@link readRttm}. */
export interface RttmReadOptions {
  /** Receives the one-line report of skipped unknown record types (default: stderr). */
  readonly onWarning?: (message: string) => void;
}

/** One speaker turn. Times in seconds. */
export interface Turn {
  /** File (recording) id. */
  readonly file: string;
  /** Channel field (usually 1). */
  readonly channel: string;
  /** Start time in seconds. */
  readonly onset: number;
  /** Duration in seconds. */
  readonly duration: number;
  /** Speaker id. */
  readonly speaker: string;
}

/** A half-open time interval [start, end) in seconds. */
export type Interval = readonly [start: number, end: number];

/** Un-partitioned evaluation map: file id -> scoring regions (sorted, disjoint after {@link normalizeUem}). */
export type Uem = Map<string, Interval[]>;

/** End time of a turn. */
export const offsetOf = (t: Turn): number => t.onset + t.duration;

const decoder = new TextDecoder("utf-8", { fatal: true });

function decode(bytes: Uint8Array, name: string): string {
  try {
    return decoder.decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new InputError(name, "is not valid UTF-8 text; re-save it as UTF-8");
  }
}

/** Yields [1-based line number, fields] for every non-blank, non-comment line. */
function* records(text: string): Generator<[number, string[]]> {
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i].trim();
    if (!s || s.startsWith(";") || s.startsWith("#")) continue;
    yield [i + 1, s.split(/\s+/)];
  }
}

function num(name: string, line: number, field: string, what: string): number {
  const v = Number(field);
  if (field === "" || !Number.isFinite(v)) {
    throw new InputError(name, `${what} '${field}' is not a number`, line);
  }
  return v;
}

/** Parses RTTM text; `name` (usually the path) is used in error messages. Only SPEAKER records become turns. */
export function parseRttm(text: string, name = "<rttm>", opts: RttmReadOptions = {}): Turn[] {
  const turns: Turn[] = [];
  const unknown = new Map<string, { count: number; first: number }>();
  for (const [line, f] of records(text)) {
    if (f[0] !== "SPEAKER") {
      if (/^[A-Z][A-Z/_-]*$/.test(f[0])) { // another RTTM record type (SPKR-INFO, LEXEME, ...)
        if (!RTTM_TYPES.has(f[0])) {
          const u = unknown.get(f[0]) ?? { count: 0, first: line };
          u.count++;
          unknown.set(f[0], u);
        }
        continue;
      }
      throw new InputError(
        name,
        `expected an RTTM record starting with a type such as SPEAKER, got '${f[0]}' ` +
          "(RTTM: SPEAKER <file> <chnl> <onset> <dur> <NA> <NA> <speaker> <NA> <NA>)",
        line,
      );
    }
    if (f.length < 8) {
      throw new InputError(
        name,
        `SPEAKER record has ${f.length} fields, needs at least 8: SPEAKER <file> <chnl> <onset> <dur> <NA> <NA> <speaker>`,
        line,
      );
    }
    const onset = num(name, line, f[3], "onset");
    const duration = num(name, line, f[4], "duration");
    if (onset < 0) throw new InputError(name, `onset ${onset} is negative`, line);
    if (duration < 0) throw new InputError(name, `duration ${duration} is negative`, line);
    turns.push({ file: f[1], channel: f[2], onset, duration, speaker: f[7] });
  }
  if (unknown.size) (opts.onWarning ?? ((m: string) => console.error(m)))(unknownTypesReport(name, unknown));
  return turns;
}

function unknownTypesReport(name: string, unknown: Map<string, { count: number; first: number }>): string {
  let total = 0;
  const parts: string[] = [], typos: string[] = [];
  for (const [type, u] of unknown) {
    total += u.count;
    parts.push(`${type} x${u.count} (first on line ${u.first})`);
    if (editDistance(type, "SPEAKER") <= 2) typos.push(`'${type}'`);
  }
  const hint = typos.length
    ? `; ${typos.join(", ")} look${
      typos.length === 1 ? "s" : ""
    } like a misspelt SPEAKER: those turns were NOT read`
    : "";
  return `warning: ${name}: skipped ${total} RTTM record${total === 1 ? "" : "s"} of unknown type: ${
    parts.join(", ")
  }${hint}`;
}

/** Reads an RTTM file (unknown record types are reported on stderr or `onWarning`). */
export async function readRttm(path: string, opts: RttmReadOptions = {}): Promise<Turn[]> {
  const bytes = await readInputBytes(path, "RTTM file");
  return parseRttm(decode(bytes, path), path, opts);
}

/**
 * Formats turns as RTTM text (times with `digits` decimals, 3 = milliseconds as dscore writes);
 * `name` (the file being written) is used in error messages.
 */
export function formatRttm(turns: readonly Turn[], digits = 3, name = "<rttm>"): string {
  const out: string[] = [];
  for (const t of turns) {
    for (const [what, v] of [["file", t.file], ["speaker", t.speaker]] as const) {
      if (!v || /\s/.test(v)) {
        throw new InputError(name, `${what} id '${v}' is empty or contains whitespace`);
      }
    }
    out.push(
      `SPEAKER ${t.file} ${t.channel || "1"} ${t.onset.toFixed(digits)} ${
        t.duration.toFixed(digits)
      } <NA> <NA> ${t.speaker} <NA> <NA>`,
    );
  }
  return out.length ? out.join("\n") + "\n" : "";
}

/** Writes turns as an RTTM file atomically (temp file + rename). */
export async function writeRttm(path: string, turns: readonly Turn[], digits = 3): Promise<void> {
  await writeFileAtomic(path, formatRttm(turns, digits, path));
}

/** Parses UEM text. Several lines for one file add regions (overlapping regions are merged). */
export function parseUem(text: string, name = "<uem>"): Uem {
  const uem: Uem = new Map();
  for (const [line, f] of records(text)) {
    if (f.length < 4) {
      throw new InputError(
        name,
        `UEM line has ${f.length} fields, needs 4: <file> <chnl> <onset> <offset>`,
        line,
      );
    }
    const on = num(name, line, f[2], "onset"), off = num(name, line, f[3], "offset");
    if (on < 0 || off <= on) {
      throw new InputError(
        name,
        `scoring region [${on}, ${off}] is empty or negative; offset must exceed onset`,
        line,
      );
    }
    const list = uem.get(f[0]) ?? [];
    list.push([on, off]);
    uem.set(f[0], list);
  }
  return normalizeUem(uem);
}

/** Reads a UEM file. */
export async function readUem(path: string): Promise<Uem> {
  const bytes = await readInputBytes(path, "UEM file");
  return parseUem(decode(bytes, path), path);
}

/** Formats a UEM (files sorted, channel 1). */
export function formatUem(uem: Uem, digits = 3): string {
  const lines: string[] = [];
  for (const file of [...uem.keys()].sort()) {
    for (const [a, b] of uem.get(file)!) lines.push(`${file} 1 ${a.toFixed(digits)} ${b.toFixed(digits)}`);
  }
  return lines.length ? lines.join("\n") + "\n" : "";
}

/** Writes a UEM file atomically. */
export function writeUem(path: string, uem: Uem, digits = 3): Promise<void> {
  return writeFileAtomic(path, formatUem(uem, digits));
}

/** Sorts and merges every file's regions. */
export function normalizeUem(uem: Uem): Uem {
  const out: Uem = new Map();
  for (const [f, regions] of uem) out.set(f, unionIntervals(regions));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Segment-list helpers

/** Groups turns by file id (insertion order of first appearance). */
export function groupByFile(turns: readonly Turn[]): Map<string, Turn[]> {
  const m = new Map<string, Turn[]>();
  for (const t of turns) {
    const l = m.get(t.file);
    if (l) l.push(t);
    else m.set(t.file, [t]);
  }
  return m;
}

/** Distinct speakers in order of first appearance. */
export function speakersOf(turns: readonly Turn[]): string[] {
  return [...new Set(turns.map((t) => t.speaker))];
}

/** Sorted union of intervals; touching intervals are joined, empty ones dropped. */
export function unionIntervals(list: readonly Interval[]): Interval[] {
  const s = list.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: [number, number][] = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Intersection of two sorted disjoint interval lists. */
export function intersectIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]), hi = Math.min(a[i][1], b[j][1]);
    if (hi > lo) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

/** `a` minus `b`, both sorted and disjoint. */
export function subtractIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const [s0, e] of a) {
    let s = s0;
    while (j < b.length && b[j][1] <= s) j++;
    let k = j;
    while (k < b.length && b[k][0] < e) {
      if (b[k][0] > s) out.push([s, b[k][0]]);
      s = Math.max(s, b[k][1]);
      if (s >= e) break;
      k++;
    }
    if (s < e) out.push([s, e]);
  }
  return out;
}

/** Total duration of intervals. */
export function totalDuration(list: readonly Interval[]): number {
  let d = 0;
  for (const [a, b] of list) d += b - a;
  return d;
}

/** Turns cropped to regions (sorted, disjoint); turns outside are dropped, turns across a border split. */
export function trimTurns(turns: readonly Turn[], regions: readonly Interval[]): Turn[] {
  const out: Turn[] = [];
  for (const t of turns) {
    for (const [a, b] of intersectIntervals([[t.onset, offsetOf(t)]], regions)) {
      out.push({ ...t, onset: a, duration: b - a });
    }
  }
  return out;
}

/**
 * Merges turns of the same speaker (and file) that strictly overlap; touching turns stay apart, as
 * dscore's merge_turns (intervaltree merge_overlaps) does. Zero-length turns are dropped.
 */
export function mergeOverlappingTurns(turns: readonly Turn[]): Turn[] {
  const bySpk = new Map<string, Turn[]>();
  for (const t of turns) {
    if (!(t.duration > 0)) continue;
    const k = `${t.file}\u0000${t.speaker}`;
    const l = bySpk.get(k);
    if (l) l.push(t);
    else bySpk.set(k, [t]);
  }
  const out: Turn[] = [];
  for (const list of bySpk.values()) {
    list.sort((x, y) => x.onset - y.onset || x.duration - y.duration);
    let cur = { ...list[0] }, end = offsetOf(cur);
    for (let i = 1; i < list.length; i++) {
      const t = list[i];
      if (t.onset < end) {
        end = Math.max(end, offsetOf(t));
        cur = { ...cur, duration: end - cur.onset };
      } else {
        out.push(cur);
        cur = { ...t };
        end = offsetOf(t);
      }
    }
    out.push(cur);
  }
  return out.sort((x, y) => x.onset - y.onset || offsetOf(x) - offsetOf(y));
}

/** Time regions in which at least `minSpeakers` distinct speakers of `turns` are active. */
export function regionsWithSpeakers(turns: readonly Turn[], minSpeakers: number): Interval[] {
  const ev: [number, number, number][] = []; // time, +1/-1, speaker index
  const ids = new Map<string, number>();
  for (const t of turns) {
    if (!(t.duration > 0)) continue;
    let k = ids.get(t.speaker);
    if (k === undefined) ids.set(t.speaker, k = ids.size);
    ev.push([t.onset, 1, k], [offsetOf(t), -1, k]);
  }
  ev.sort((x, y) => x[0] - y[0] || x[1] - y[1]); // ends before starts at the same time
  const count = new Int32Array(ids.size);
  let active = 0, start = 0;
  const out: [number, number][] = [];
  for (const [t, d, k] of ev) {
    const before = active;
    if (d > 0) {
      if (count[k]++ === 0) active++;
    } else if (--count[k] === 0) active--;
    if (before < minSpeakers && active >= minSpeakers) start = t;
    else if (before >= minSpeakers && active < minSpeakers && t > start) out.push([start, t]);
  }
  return unionIntervals(out);
}

/**
 * Scoring extent when no UEM is given: [min onset, max offset] per file, as dscore's gen_uem does
 * over reference and system turns together (pass only the reference for md-eval's own default).
 */
export function uemFromTurns(...turnLists: readonly (readonly Turn[])[]): Uem {
  const uem: Uem = new Map();
  for (const list of turnLists) {
    for (const t of list) {
      const r = uem.get(t.file);
      const a = t.onset, b = offsetOf(t);
      if (!r) uem.set(t.file, [[a, b]]);
      else r[0] = [Math.min(r[0][0], a), Math.max(r[0][1], b)];
    }
  }
  return uem;
}
