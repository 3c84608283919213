/**
 * Speech detection stage: a `vad` plugin from the run's registry (silero, energy, a user's), or the
 * oracle speech regions of a reference RTTM, or the whole recording.
 * @module
 */
import type { Region } from "../../contracts/vad.ts";
import type { Turn } from "../../diarization/rttm.ts";
import { mergeRegions } from "../../diarization/segments.ts";
import { ConfigError } from "../../errors.ts";
import { pluginKey, type Resolved, type Run, using } from "./context.ts";
import type { Recording } from "./embed.ts";

/** Speech regions and how they were found. */
export interface Speech {
  /** Sorted, disjoint speech regions (s). */
  readonly regions: Region[];
  /** What found them. */
  readonly method: string;
  /** Total speech (s). */
  readonly speechSeconds: number;
}

/** How to find speech: a VAD plugin, the reference's speech (oracle), or none (all of it). */
export type SpeechSource = Resolved<"vad"> | "reference" | "none";

/** Stage `vad`: speech regions of a recording. */
export function detectSpeech(
  run: Run,
  rec: Recording,
  source: SpeechSource,
  reference?: readonly Turn[],
): Promise<Speech> {
  if (source === "reference" && !reference) {
    throw new ConfigError(run.name, "vad 'reference' needs a reference RTTM (--reference)");
  }
  return run.stages.stage("vad", {
    config: {
      vad: typeof source === "string" ? source : pluginKey(source),
      audio: rec.key,
      reference: source === "reference" ? reference : null,
    },
  }, async () => {
    let regions: Region[], method: string;
    if (source === "none") {
      regions = [{ start: 0, end: rec.samples.length / rec.sampleRate }];
      method = "no VAD (whole recording)";
    } else if (source === "reference") {
      regions = mergeRegions(reference!.map((t) => ({ start: t.onset, end: t.onset + t.duration })));
      method = "oracle speech regions from the reference";
    } else {
      const found = await using(run, source, async (v) => ({
        regions: await v.detect(rec.samples, rec.sampleRate, rec.file),
        info: v.info(),
      }));
      regions = found.regions;
      method = String(found.info.method ?? source.name);
    }
    return { regions, method, speechSeconds: regions.reduce((s, g) => s + g.end - g.start, 0) };
  });
}
