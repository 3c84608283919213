/**
 * The reference turns of one recording from an RTTM that may describe several (a corpus RTTM such as
 * AMI's `debug.development.rttm` lists every file of a split). Matching, in order:
 *
 * 1. turns whose file id equals the recording id;
 * 2. ids equal once accents are removed (Unicode NFD without combining marks): RTTMs written by ASCII-only
 *    tools spell `trñ00` as `trn00`, as pyannote's own AMI debug files do;
 * 3. the RTTM's only recording, whatever its id (a single-file reference named differently);
 *
 * else an InputError listing the recordings the RTTM holds and how to pick one (`--file ID`).
 * @module
 */
import { InputError } from "../errors.ts";
import type { Turn } from "./rttm.ts";

/** The turns kept and how they were matched. */
export interface RecordingTurns {
  readonly turns: Turn[];
  /** The RTTM file id the turns carry. */
  readonly id: string;
  /** How the id was matched, when not exactly. */
  readonly note?: string;
}

/** `trñ00` -> `trn00`: NFD, combining marks removed. */
export function withoutAccents(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "");
}

/** The turns of recording `file` in `turns` (see the module doc); `source` names the RTTM in errors. */
export function turnsOfRecording(turns: readonly Turn[], file: string, source: string): RecordingTurns {
  const ids = [...new Set(turns.map((t) => t.file))];
  if (ids.includes(file)) return { turns: turns.filter((t) => t.file === file), id: file };
  const plain = ids.filter((id) => withoutAccents(id) === withoutAccents(file));
  if (plain.length === 1) {
    return {
      turns: turns.filter((t) => t.file === plain[0]),
      id: plain[0],
      note: `reference id '${plain[0]}' matched recording '${file}' without accents`,
    };
  }
  if (ids.length === 1) {
    return {
      turns: [...turns],
      id: ids[0],
      note: `the reference's only recording '${ids[0]}' scored as '${file}'`,
    };
  }
  const shown = ids.slice(0, 12).join(", ") + (ids.length > 12 ? `, ... (${ids.length} in all)` : "");
  throw new InputError(
    source,
    ids.length
      ? `has no turns for recording '${file}'; it holds ${shown}. Name the recording with --file ID`
      : "holds no speaker turns",
  );
}
