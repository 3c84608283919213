/**
 * Long audio for the diarization benches, made of the shared recordings (never committed): AMI debug
 * excerpts, the pyannote sample, LibriSpeech test-other and train-clean-100 (about 73 min at 16 kHz),
 * concatenated in a fixed order and repeated until the length asked for.
 * @module
 */
import { join } from "node:path";
import { readAudio } from "../core/audio/read.ts";

/** Every shared recording at 16 kHz, in a fixed order. */
export async function sharedRecordings(shared: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, ext: string) => {
    const names: string[] = [], dirs: string[] = [];
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) dirs.push(join(dir, e.name));
      else if (e.name.endsWith(ext)) names.push(join(dir, e.name));
    }
    out.push(...names.sort());
    for (const d of dirs.sort()) await walk(d, ext);
  };
  await walk(join(shared, "ami"), ".wav");
  out.push(join(shared, "pyannote-sample", "sample.wav"));
  await walk(join(shared, "librispeech"), ".flac");
  return out.filter((p) => !p.endsWith("empty.wav"));
}

/** `seconds` of the shared recordings concatenated at `sampleRate` (in memory). */
export async function concatenated(
  shared: string,
  seconds: number,
  sampleRate = 16000,
): Promise<Float32Array> {
  const list = await sharedRecordings(shared), out = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0, o = 0; o < out.length; i = (i + 1) % list.length) {
    const a = (await readAudio(list[i], { sampleRate })).samples;
    out.set(a.subarray(0, out.length - o), o);
    o += Math.min(a.length, out.length - o);
  }
  return out;
}
