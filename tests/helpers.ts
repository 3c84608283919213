/**
 * Test helpers: where the shared data lives and how to skip visibly when it is absent.
 * @module
 */
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";

/** Repository root. */
export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** `../shared/data` next to the repository (CI has it; a fresh clone elsewhere may not). */
export const SHARED: string = resolve(ROOT, "..", "shared", "data");
/** Committed golden reference files. */
export const GOLDEN: string = join(ROOT, "tests", "golden");

let sharedPresent: boolean | undefined;
/** True when ../shared/data exists. */
export function hasShared(): boolean {
  if (sharedPresent === undefined) {
    try {
      sharedPresent = Deno.statSync(SHARED).isDirectory;
    } catch {
      sharedPresent = false;
    }
    if (!sharedPresent) {
      console.error(`SKIP: ${SHARED} is absent; tests that need the shared data are skipped`);
    }
  }
  return sharedPresent;
}

/** Path inside the shared data folder. */
export function shared(...parts: string[]): string {
  return join(SHARED, ...parts);
}

/**
 * `Deno.test` options for a test that needs ../shared/data: it is ignored (shown as "ignored" in the
 * summary, with a SKIP line on stderr) when the folder is absent.
 */
export function needsShared(name: string): { name: string; ignore: boolean } {
  const present = hasShared();
  return { name: present ? name : `${name} (SKIPPED: ../shared/data absent)`, ignore: !present };
}

/** Reads a committed golden JSON file. */
export function golden<T = unknown>(name: string): T {
  return JSON.parse(Deno.readTextFileSync(join(GOLDEN, name))) as T;
}

/** Max absolute difference between two arrays (throws on length mismatch). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A temp directory removed after `fn`. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "embedkit-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** 16-bit PCM mono WAV bytes (samples clipped to [-1, 1]). */
export function wavPcm16(samples: Float32Array, sr: number): Uint8Array {
  const b = new ArrayBuffer(44 + samples.length * 2), v = new DataView(b);
  const tag = (o: number, s: string) => [...s].forEach((c, i) => v.setUint8(o + i, c.charCodeAt(0)));
  tag(0, "RIFF");
  v.setUint32(4, 36 + samples.length * 2, true);
  tag(8, "WAVEfmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sr, true);
  v.setUint32(28, sr * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  tag(36, "data");
  v.setUint32(40, samples.length * 2, true);
  samples.forEach((x, i) => v.setInt16(44 + 2 * i, Math.round(Math.max(-1, Math.min(1, x)) * 32767), true));
  return new Uint8Array(b);
}

/** Writes utterances into the existing folder `dir` as a Kaldi-style data dir: one WAV each, wav.scp, utt2spk. */
export async function writeKaldiDataDir(
  dir: string,
  utts: Iterable<{ id: string; speaker: string; samples: Float32Array; sampleRate: number }>,
): Promise<string> {
  const scp: string[] = [], u2s: string[] = [];
  for (const u of utts) {
    await Deno.writeFile(join(dir, `${u.id}.wav`), wavPcm16(u.samples, u.sampleRate));
    scp.push(`${u.id} ${u.id}.wav`);
    u2s.push(`${u.id} ${u.speaker}`);
  }
  await Deno.writeTextFile(join(dir, "wav.scp"), scp.join("\n") + "\n");
  await Deno.writeTextFile(join(dir, "utt2spk"), u2s.join("\n") + "\n");
  return dir;
}

/** sherpa-onnx-node's module, or null after a visible SKIP line where its native addon does not load here. */
// deno-lint-ignore no-explicit-any
export async function loadSherpa(): Promise<any | null> {
  try {
    return (await import("sherpa-onnx-node")).default;
  } catch (e) {
    console.error(`SKIP: sherpa-onnx-node does not load here: ${(e as Error).message}`);
    return null;
  }
}
