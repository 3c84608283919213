/**
 * The stage library: caches that notice plugin code changes (a user's plugin file and a local module
 * it imports, edited between two CLI runs), and training that resumes after a real kill of the process
 * with a final model byte-identical to an uninterrupted run.
 */
import { assert, assertEquals } from "./assert.ts";
import { join } from "node:path";
import { ROOT, withTempDir, writeKaldiDataDir } from "./helpers.ts";
import { syntheticCorpus } from "../core/data/synthetic.ts";
import { cli, killAfterEpoch, run } from "./cli_process.ts";

/** Synthetic speakers written as a Kaldi data dir (WAV files). */
async function dataDir(dir: string, speakers: number, perSpeaker: number, seed: number): Promise<string> {
  const data = join(dir, "data");
  await Deno.mkdir(data);
  return await writeKaldiDataDir(
    data,
    syntheticCorpus(speakers, perSpeaker, seed).map((u) => ({ ...u, sampleRate: 16000 })),
  );
}

const SCORER = `import { factor } from "./factor.ts";
export default {
  kind: "scorer",
  role: "score",
  name: "scaled-dot",
  description: "dot product of enrollment and test embeddings times a factor from ./factor.ts",
  defaults: {},
  options: {},
  validate() {},
  create() {
    return {
      role: "score",
      score(e, t, trials) {
        const d = e.cols, out = new Float32Array(trials.enroll.length);
        for (let k = 0; k < out.length; k++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += e.data[trials.enroll[k] * d + j] * t.data[trials.test[k] * d + j];
          out[k] = factor * s;
        }
        return out;
      },
    };
  },
};
`;

Deno.test("stage cache: editing a plugin's imported module recomputes exactly the stages that used it", async () => {
  await withTempDir(async (dir) => {
    const data = await dataDir(dir, 3, 3, 5);
    await Deno.writeTextFile(join(dir, "scaled_dot.ts"), SCORER);
    await Deno.writeTextFile(join(dir, "factor.ts"), "export const factor = 1;\n");
    const args = [
      "verify",
      data,
      "--plugin",
      join(dir, "scaled_dot.ts"),
      "--scorer",
      "scaled-dot",
      "--work",
      join(dir, "work"),
    ];
    const cachedOf = (stdout: string) =>
      Object.fromEntries(
        (JSON.parse(stdout).stages as { stage: string; cached: boolean }[]).map((s) => [s.stage, s.cached]),
      );
    const eerOf = (stdout: string) => JSON.parse(stdout).systems[0].metrics["EER %"];
    const first = await run(args);
    assertEquals(first.code, 0, first.stderr);
    assert(Object.values(cachedOf(first.stdout)).every((c) => !c), first.stdout);
    const again = await run(args);
    assert(Object.values(cachedOf(again.stdout)).every((c) => c), again.stdout);
    assertEquals(eerOf(again.stdout), eerOf(first.stdout));
    // the plugin file is untouched; only the module it imports changes: scores flip sign
    await Deno.writeTextFile(join(dir, "factor.ts"), "export const factor = -1;\n");
    const edited = await run(args);
    assertEquals(edited.code, 0, edited.stderr);
    const c = cachedOf(edited.stdout);
    for (const s of ["data", "trials", "embed-fbank-stats", "backend-fbank-stats"]) {
      assertEquals(c[s], true, s);
    }
    for (const s of ["score-fbank-stats", "metrics"]) assertEquals(c[s], false, s);
    // the old EER would come back if the cache ignored the code; flipped scores give the complement
    assert(eerOf(edited.stdout) !== eerOf(first.stdout), "a new EER");
    assert(eerOf(edited.stdout) > 50, `EER after negating the scores: ${eerOf(edited.stdout)}`);
  });
});

Deno.test({
  name:
    "train: killed after an epoch, re-run resumes at the next epoch; the model equals an uninterrupted run's, byte for byte",
  sanitizeResources: false,
  async fn() {
    await withTempDir(async (dir) => {
      const data = await dataDir(dir, 6, 4, 9);
      const args = (work: string, out: string) => [
        "train",
        data,
        "--channels",
        "24,24",
        "--kernels",
        "3,3",
        "--dilations",
        "1,2",
        "--embed-dim",
        "16",
        "--epochs",
        "6",
        "--crops",
        "40",
        "--batch-size",
        "8",
        "--seg-seconds",
        "0.5",
        "--seed",
        "11",
        "--device",
        "wasm",
        "--work",
        work,
        "--model-out",
        out,
      ];
      const whole = await run(args(join(dir, "w1"), join(dir, "whole.onnx")));
      assertEquals(whole.code, 0, whole.stderr);

      // the same run, killed (SIGKILL: no clean-up) once its checkpoint says epoch 2 is done
      const work = join(dir, "w2"), out = join(dir, "resumed.onnx");
      const child = cli(args(work, out));
      const { killedAfter, status } = await killAfterEpoch(child, work, 2, 1200);
      assert(killedAfter >= 2 && killedAfter < 6, `killed after epoch ${killedAfter}`);
      assertEquals(status.success, false, "the first run was killed before it finished");
      await Deno.stat(out).then(() => assert(false, "no model from the killed run"), () => {});

      const resumed = await run(args(work, out));
      assertEquals(resumed.code, 0, resumed.stderr);
      assert(resumed.stderr.includes(`after epoch ${killedAfter}`), resumed.stderr);
      const history = JSON.parse(resumed.stdout).history as { epoch: number }[];
      assertEquals(history.map((h) => h.epoch), [1, 2, 3, 4, 5, 6]);
      assertEquals(await Deno.readFile(out), await Deno.readFile(join(dir, "whole.onnx")));
      // the partial folder is gone once the stage's output is cached
      assertEquals([...Deno.readDirSync(work)].filter((e) => e.name.endsWith(".partial")).length, 0);
    });
  },
});

Deno.test("a recipe of one's own from the stages (README 'Architecture' example): runs, caches, resumes", async () => {
  const { clusterSpeakers } = await import("./fixtures/my_recipe.ts");
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const src = await Deno.readTextFile(join(ROOT, "tests", "fixtures", "my_recipe.ts"));
  // the README shows this file's code (imports aside), so the example cannot drift from what is tested
  const body = src.slice(src.indexOf("/** Clusters the utterances"));
  assert(readme.includes(body.trim()), "README's recipe example differs from tests/fixtures/my_recipe.ts");
  await withTempDir(async (dir) => {
    const data = await dataDir(dir, 3, 4, 21);
    const first = await clusterSpeakers(data, join(dir, "work"));
    assertEquals(first.stages.map((s) => s.stage), ["data", "embed-fbank-stats", "cluster-ahc"]);
    assert(first.stages.every((s) => !s.cached));
    for (const k of ["accuracy", "nmi", "ari", "purity"]) {
      assert(first.figures[k] >= -1 && first.figures[k] <= 1, k);
    }
    const again = await clusterSpeakers(data, join(dir, "work"));
    assert(again.stages.every((s) => s.cached));
    assertEquals(again.figures, first.figures);
  });
});
