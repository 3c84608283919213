/**
 * Online augmentation under a kill: an ECAPA run with noise, babble, reverberation and SpecAugment per
 * crop, killed (SIGKILL) after its second epoch and re-run, ends with a model byte-identical to an
 * uninterrupted run's: every crop's augmentation is seeded from the checkpointed augmentation generator.
 * The same approach as tests/stages_test.ts's TDNN case.
 */
import { assert, assertEquals } from "./assert.ts";
import { join } from "node:path";
import { withTempDir, writeKaldiDataDir } from "./helpers.ts";
import { syntheticCorpus } from "../core/data/synthetic.ts";
import { cli, killAfterEpoch, run } from "./cli_process.ts";

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

Deno.test({
  name:
    "augmented ECAPA train: killed after an epoch, re-run resumes with the same augmentation draws; the model equals an uninterrupted run's, byte for byte",
  sanitizeResources: false,
  async fn() {
    await withTempDir(async (dir) => {
      const data = join(dir, "data");
      await Deno.mkdir(data);
      await writeKaldiDataDir(data, syntheticCorpus(5, 4, 17));
      const args = (work: string, out: string, prob = "0.9") => [
        "train",
        data,
        ...["--arch", "ecapa", "--width", "8", "--embed-dim", "16", "--mel-bins", "24"],
        ...["--epochs", "6", "--crops", "3", "--batch-size", "10", "--seg-seconds", "0.5", "--seed", "21"],
        ...["--augment", "noise,babble,reverb,specaugment", "--augment-prob", prob],
        ...["--augment-options", JSON.stringify({ reverb: { rooms: 3, rt60: [0.2, 0.3] } })],
        ...["--device", "wasm", "--work", work, "--model-out", out],
      ];
      const whole = await run(args(join(dir, "w1"), join(dir, "whole.onnx")));
      assertEquals(whole.code, 0, whole.stderr);

      // the same run, killed (SIGKILL: no clean-up) once its checkpoint says epoch 2 is done
      const work = join(dir, "w2"), out = join(dir, "resumed.onnx");
      const child = cli(args(work, out));
      const { killedAfter, status } = await killAfterEpoch(child, work, 2, 3000);
      assert(killedAfter >= 2 && killedAfter < 6, `killed after epoch ${killedAfter}`);
      assertEquals(status.success, false, "the first run was killed before it finished");
      // the checkpoint holds the augmentation generator next to the others
      const resumed = await run(args(work, out));
      assertEquals(resumed.code, 0, resumed.stderr);
      assert(resumed.stderr.includes(`after epoch ${killedAfter}`), resumed.stderr);
      assertEquals(JSON.parse(resumed.stdout).history.map((h: { epoch: number }) => h.epoch), [
        1,
        2,
        3,
        4,
        5,
        6,
      ]);
      // (compared by hand: a failing deep-equal of two 100 kB arrays prints a diff of every byte)
      assert(
        sameBytes(await Deno.readFile(out), await Deno.readFile(join(dir, "whole.onnx"))),
        "resumed != whole",
      );

      // the waveform augmentation acted: at probability 0 (same seed, same crop positions) the model differs
      const plain = await run(args(join(dir, "w3"), join(dir, "plain.onnx"), "0"));
      assertEquals(plain.code, 0, plain.stderr);
      const [p, o] = [await Deno.readFile(join(dir, "plain.onnx")), await Deno.readFile(out)];
      assert(!sameBytes(p, o), "augmentation changed nothing");
    });
  },
});
