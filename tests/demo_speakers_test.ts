/**
 * The demo's speaker-registry stage (cli/recipes/demo_speakers.ts): on LibriSpeech test-other the
 * shipped model identifies held-out utterances of the 6 enrolled speakers (the CLI's end-to-end test
 * reaches 29/30 with 5 enrollment utterances); the embedded store it leaves behind holds exactly the
 * enrolled speakers and utterances; the margins and IER agree with each other and with the counts; on
 * synthetic voices it runs and a second run with the same work dir comes from the cache unchanged.
 */
import { assert, assertEquals } from "./assert.ts";
import { needsShared, SHARED, withTempDir } from "./helpers.ts";
import { join } from "node:path";
import "../plugins/mod.ts";
import { speakersCase } from "../cli/recipes/demo_speakers.ts";
import { openSpeakerStore } from "../core/speakers/mod.ts";

const SYNTHETIC = { speakers: 8, utterancesPerSpeaker: 6 };

Deno.test({
  ...needsShared("demo speakers stage: enroll 6 LibriSpeech speakers, identify held-out and unknown ones"),
  sanitizeResources: false,
  async fn() {
    await withTempDir(async (dir) => {
      const notes: string[] = [];
      const work = join(dir, "work");
      const { summary: s, table } = await speakersCase({
        librispeech: join(SHARED, "librispeech", "test-other"),
        synthetic: SYNTHETIC,
        outDir: dir,
        work,
        seed: 1,
        quiet: true,
        resume: false,
      }, notes);
      assertEquals(s.enrolled, { speakers: 6, utterances: 18 });
      assertEquals(s.tests, { enrolled: 18, neverEnrolled: 8 });
      assert(s.top1Accuracy >= 17 / 18, `top-1 accuracy ${s.top1Accuracy}`);
      // top-1 right for every enrolled test <=> every margin > 0
      assertEquals(s.top1Accuracy === 1, s.margin.min > 0);
      assert(s.margin.min <= s.margin.mean && s.scores.ownMin <= s.scores.ownMean);
      // IER counts: every test is a segment; errors = confusions + misses + false alarms
      const m = s.metrics;
      assertEquals(m.total, 26);
      assertEquals(m.correct + m.confusion + m.miss, 26);
      assertEquals(s.ier, (m.confusion + m.miss + m.falseAlarm) / 26);
      assert(s.ier <= 0.2, `IER ${s.ier}`);
      assertEquals(table.rows[0], ["figure", "value"]);
      assert(notes.some((n) => n.includes("embedded store")));
      // the store is real and left under the work dir
      const store = await openSpeakerStore(join(work, "speakers", "store"));
      try {
        assertEquals(await store.counts(), { enrolled: 6, cohort: 0, utterances: 18 });
      } finally {
        await store.close();
      }
    });
  },
});

Deno.test({
  name: "demo speakers stage on synthetic voices: runs, and a second run comes from the cache unchanged",
  sanitizeResources: false,
  async fn() {
    await withTempDir(async (dir) => {
      const o = { synthetic: SYNTHETIC, outDir: dir, work: join(dir, "work"), seed: 7, quiet: true };
      const a = await speakersCase(o, []);
      assert(a.summary.dataset.includes("synthetic"));
      assertEquals(a.summary.enrolled, { speakers: 5, utterances: 15 });
      assertEquals(a.summary.tests, { enrolled: 15, neverEnrolled: 6 });
      const b = await speakersCase(o, []);
      assertEquals({ ...b.summary, seconds: 0 }, { ...a.summary, seconds: 0 });
    });
  },
});
