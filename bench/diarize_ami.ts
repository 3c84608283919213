/**
 * The AMI debug protocol of ../shared/data/ami (pyannote.audio's tests/data: 14 meeting excerpts of 30 s,
 * lists `debug.{train,development,test}.lst`, references `debug.<split>.rttm`, UEMs) for the diarization
 * benches, and pooled DER over a split (error seconds summed over files, then divided: md-eval's way).
 * @module
 */
import { join } from "node:path";
import { type DerOptions, diarizationErrorRate } from "../core/diarization/der.ts";
import { turnsOfRecording } from "../core/diarization/recording_turns.ts";
import { readRttm, type Turn } from "../core/diarization/rttm.ts";

/** The three splits of the protocol. */
export type Split = "train" | "development" | "test";

/** One recording of a split. */
export interface AmiFile {
  /** Id from the list (the wav's name). */
  readonly id: string;
  readonly wav: string;
  /** Its reference turns (file field = the RTTM's id, e.g. trn00 for trñ00). */
  readonly turns: Turn[];
  readonly speakers: number;
}

/** The recordings of one split. */
export async function amiSplit(shared: string, split: Split): Promise<AmiFile[]> {
  const dir = join(shared, "ami");
  const ids = (await Deno.readTextFile(join(dir, `debug.${split}.lst`))).split("\n").map((s) => s.trim())
    .filter(Boolean);
  const rttm = join(dir, `debug.${split}.rttm`);
  const all = await readRttm(rttm);
  return ids.map((id) => {
    const m = turnsOfRecording(all, id, rttm);
    return {
      id,
      wav: join(dir, `${id}.wav`),
      turns: m.turns,
      speakers: new Set(m.turns.map((t) => t.speaker)).size,
    };
  });
}

/** Scoring as `diarize` does by default: collar 0.25 s on each side (md-eval), overlap ignored. */
export const SCORING: DerOptions = {
  collar: 0.25,
  collarConvention: "md-eval",
  skipOverlap: true,
  uemFrom: "ref",
};

/** Error components of one file, the hypothesis renamed to the reference's file id. */
export function fileErrors(
  ref: readonly Turn[],
  hyp: readonly Turn[],
  o: DerOptions = SCORING,
): { error: number; total: number; der: number } {
  const id = ref[0]?.file ?? "file";
  const d = diarizationErrorRate(ref, hyp.map((t) => ({ ...t, file: id })), o).overall;
  return { error: d.missed + d.falseAlarm + d.confusion, total: d.total, der: d.der };
}

/** Pooled DER (%) of per-file components. */
export function pooled(parts: readonly { error: number; total: number }[]): number {
  const e = parts.reduce((s, p) => s + p.error, 0), t = parts.reduce((s, p) => s + p.total, 0);
  return (100 * e) / t;
}
