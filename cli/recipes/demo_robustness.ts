/**
 * The demo's robustness stage: clean vs corrupted speaker-verification EER of the speaker models that
 * ship with embedkit, on a small subset of LibriSpeech test-other (4 utterances of each of the 10
 * speakers, cut to 8 s) and its corrupted copy (core/augment/corrupt.ts: one seeded condition per
 * utterance, balanced: coloured noise, music from the test split, a competing AMI talker at 0-10 dB SNR,
 * reverberation at RT60 0.3-1.0 s). The corrupted audio is written once under the demo's work dir as a
 * data dir of float WAVs (reused by later runs with the same seed), so the demo stays fast. The full
 * measurement (every test-other utterance, per-condition sets) is bench/corrupted_eer.ts.
 * @module
 */
import { amiTalkerFiles, corruptUtterances } from "../../core/augment/corrupt.ts";
import { readAudio } from "../../core/audio/read.ts";
import { loadDataDir } from "../../core/data/datasets.ts";
import { exists, isDir, join } from "../../core/paths.ts";
import type { PluginSpec } from "../../core/pipelines/stages/mod.ts";
import { verify } from "../../core/pipelines/verify.ts";
import type { Registry } from "../../core/registry.ts";
import { status } from "../../core/progress.ts";
import { ZOO_ALIASES } from "../../core/zoo/catalog.ts";

/** Utterances per speaker and their length in the subset. */
const SUBSET = { perSpeaker: 4, seconds: 8 };

/** What the stage reports (also in results.json as `robustness`). */
export interface RobustnessSummary {
  readonly dataset: string;
  readonly corruption: string;
  readonly seed: number;
  readonly utterances: number;
  /** Per system: EER on the clean subset and on its corrupted copy (%). */
  readonly systems: { label: string; model: string; clean: number; corrupted: number }[];
}

/** The shipped speaker models compared: the previous TDNN and the recommended one (zoo alias). */
export function shippedSpeakerModels(): { label: string; zoo: string }[] {
  const rec = ZOO_ALIASES["embedkit-speaker"];
  const out = [{ label: "TDNN (embedkit-tdnn-librispeech)", zoo: "embedkit-tdnn-librispeech" }];
  if (rec !== "embedkit-tdnn-librispeech") {
    out.push({ label: `recommended (${rec})`, zoo: "embedkit-speaker" });
  }
  return out;
}

/** Writes utterances as a data dir of 32-bit float WAVs (wav.scp + utt2spk); returns the folder. */
async function writeDataDir(
  dir: string,
  utts: { id: string; speaker: string; samples: Float32Array }[],
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const scp: string[] = [], u2s: string[] = [];
  for (const u of utts) {
    const name = `${u.id.replaceAll("/", "_")}.wav`;
    await Deno.writeFile(join(dir, name), floatWav(u.samples, 16000));
    scp.push(`${u.id.replaceAll("/", "_")} ${name}`);
    u2s.push(`${u.id.replaceAll("/", "_")} ${u.speaker}`);
  }
  await Deno.writeTextFile(join(dir, "wav.scp"), scp.join("\n") + "\n");
  await Deno.writeTextFile(join(dir, "utt2spk"), u2s.join("\n") + "\n");
  return dir;
}

/** Mono IEEE-float WAV bytes (format tag 3, 32 bits). */
function floatWav(x: Float32Array, rate: number): Uint8Array {
  const b = new ArrayBuffer(44 + 4 * x.length), v = new DataView(b);
  const tag = (o: number, s: string) => [...s].forEach((c, i) => v.setUint8(o + i, c.charCodeAt(0)));
  tag(0, "RIFF");
  v.setUint32(4, 36 + 4 * x.length, true);
  tag(8, "WAVEfmt ");
  v.setUint32(16, 16, true); // fmt chunk size
  v.setUint16(20, 3, true); // IEEE float
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 4, true); // bytes per second
  v.setUint16(32, 4, true); // block align
  v.setUint16(34, 32, true); // bits
  tag(36, "data");
  v.setUint32(40, 4 * x.length, true);
  new Float32Array(b, 44).set(x);
  return new Uint8Array(b);
}

/** The clean subset and its corrupted copy as data dirs under `work` (made once per seed). */
async function subsetDirs(
  shared: string,
  work: string,
  seed: number,
): Promise<{ clean: string; corrupted: string }> {
  const base = join(work, `robustness-data-${seed}`);
  const clean = join(base, "clean"), corrupted = join(base, "corrupted");
  if (await exists(join(corrupted, "utt2spk"))) return { clean, corrupted };
  status("[demo] robustness: building the corrupted subset (once; cached under the work dir)");
  const { utts } = await loadDataDir(join(shared, "librispeech", "test-other"));
  const picked = [...new Set(utts.map((u) => u.speaker))].flatMap((s) =>
    utts.filter((u) => u.speaker === s).sort((a, b) => a.id.localeCompare(b.id)).slice(0, SUBSET.perSpeaker)
  );
  const audio = [];
  for (const u of picked) {
    const a = (await readAudio(u.path!, { sampleRate: 16000 })).samples;
    audio.push({
      id: u.id,
      speaker: u.speaker,
      samples: a.slice(0, SUBSET.seconds * 16000),
      sampleRate: 16000,
    });
  }
  const c = await corruptUtterances(audio, {
    seed,
    musicDir: join(shared, "augment", "music"),
    competing: await amiTalkerFiles(join(shared, "ami")),
  });
  await writeDataDir(clean, audio);
  await writeDataDir(corrupted, c.utterances);
  return { clean, corrupted };
}

/** Stage: EER of each shipped speaker model on the clean subset and on its corrupted copy. */
export async function robustnessCase(
  o: {
    shared: string;
    work?: string;
    outDir: string;
    seed: number;
    ep?: string;
    registry?: Registry;
    quiet?: boolean;
    resume?: boolean;
  },
  notes: string[],
): Promise<{ summary: RobustnessSummary; table: { title: string; rows: (string | number)[][] } } | null> {
  if (!(await isDir(join(o.shared, "augment", "music"))) || !(await isDir(join(o.shared, "ami")))) {
    notes.push("Robustness: needs the shared data's music and AMI folders for the corruptions; skipped.");
    return null;
  }
  const dirs = await subsetDirs(o.shared, o.work ?? join(o.outDir, "work"), o.seed);
  const models = shippedSpeakerModels();
  const backbones: PluginSpec[] = models.map((m) => ({
    name: "onnx-speaker",
    label: m.label,
    options: { model: `zoo:${m.zoo}`, ...(o.ep ? { ep: o.ep } : {}) },
  }));
  const eer: Record<string, number[]> = {};
  for (const [set, data] of [["clean", dirs.clean], ["corrupted", dirs.corrupted]] as const) {
    const v = await verify({
      data,
      name: `robustness ${set}`,
      backbones,
      seed: o.seed,
      registry: o.registry,
      quiet: o.quiet,
      resume: o.resume,
      workDir: o.work && join(o.work, `robustness-${set}`),
    });
    v.systems.forEach((s) => (eer[s.label] ??= []).push(s.metrics["EER %"]));
  }
  const corruption =
    "one condition per utterance: coloured noise, music (test split), a competing AMI talker " +
    "(0-10 dB SNR), or reverberation (RT60 0.3-1.0 s)";
  notes.push(
    `Robustness: ${SUBSET.perSpeaker} utterances x 10 speakers of test-other (first ${SUBSET.seconds} s) and a ` +
      `corrupted copy (${corruption}; seed ${o.seed}); full measurement in bench/corrupted_eer.results.json.`,
  );
  const systems = models.map((m) => ({
    label: m.label,
    model: m.zoo === "embedkit-speaker" ? ZOO_ALIASES["embedkit-speaker"] : m.zoo,
    clean: eer[m.label][0],
    corrupted: eer[m.label][1],
  }));
  return {
    summary: {
      dataset: `LibriSpeech test-other subset (${SUBSET.perSpeaker} x 10, ${SUBSET.seconds} s)`,
      corruption,
      seed: o.seed,
      utterances: SUBSET.perSpeaker * 10,
      systems,
    },
    table: {
      title: "Clean vs corrupted speech (shipped speaker models, EER %)",
      rows: [
        ["model", "clean", "corrupted"],
        ...systems.map((s) => [s.label, s.clean.toFixed(2), s.corrupted.toFixed(2)]),
      ],
    },
  };
}
