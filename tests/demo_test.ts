/**
 * The demo: runs end to end (self-generated data always; the real shared data when present), writes a
 * self-contained report.html + results.json, and the report renders in headless Chromium.
 */
import { assert, assertEquals } from "./assert.ts";
import { hasShared, needsShared, SHARED, withTempDir } from "./helpers.ts";
import { join } from "node:path";
import "../plugins/mod.ts";
import { demo } from "../cli/recipes/demo.ts";

const CHROMIUM = "/usr/bin/chromium";

function chromiumPresent(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

/** Renders a local HTML file to a PNG with headless Chromium (fresh profile, no network services). */
async function screenshot(html: string, png: string, width = 1220, height = 1800): Promise<void> {
  const profile = await Deno.makeTempDir({ prefix: "embedkit-chromium-" });
  try {
    const out = await new Deno.Command(CHROMIUM, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        `--window-size=${width},${height}`,
        `--screenshot=${png}`,
        `file://${html}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`chromium failed: ${new TextDecoder().decode(out.stderr).slice(-500)}`);
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

function checkReport(html: string): void {
  assert(html.startsWith("<!DOCTYPE html>"));
  // self-contained: no scripts, no external resources
  assert(!/<script|<link |src="http|href="http/i.test(html), "the report must not load anything");
  assert((html.match(/<svg /g) ?? []).length >= 5, "DET, histograms, PCA and timeline charts");
  assert(html.includes('aria-label="DET curve"'));
  assert(html.includes("diarization timeline"));
  assert(html.includes("PCA of"));
  assert(html.includes("UNTRAINED"), "the random-weight model is labelled as untrained");
}

Deno.test("demo on self-generated signals: report.html + results.json, says the data is synthetic", async () => {
  await withTempDir(async (dir) => {
    const r = await demo({ outDir: dir, synthetic: true, quiet: true, seed: 7 });
    assertEquals(r.data, "synthetic");
    const html = await Deno.readTextFile(join(dir, "report.html"));
    checkReport(html);
    assert(html.includes("SYNTHETIC"));
    const res = JSON.parse(await Deno.readTextFile(join(dir, "results.json")));
    assertEquals(res.seed, 7);
    assert(res.notes[0].includes("SYNTHETIC"));
    const fb = res.verification[0].systems[0];
    assertEquals(fb.label, "fbank-stats");
    assert(fb.metrics["EER %"] < 25, JSON.stringify(fb.metrics));
    assert(
      res.diarization[0].systems.some((s: { metrics: Record<string, number> }) => s.metrics["DER %"] < 15),
    );
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".tmp"));
    assertEquals(left, []);
  });
});

Deno.test(
  {
    ...needsShared(
      "demo on the shared data: LibriSpeech verification, sample.wav and VBx diarization, under 3 minutes",
    ),
    sanitizeResources: false,
  },
  async () => {
    await withTempDir(async (dir) => {
      const t0 = performance.now();
      const r = await demo({ outDir: dir, sharedDir: SHARED, quiet: true, resume: false });
      const secs = (performance.now() - t0) / 1000;
      assertEquals(r.data, "shared");
      assert(secs < 180, `demo took ${secs} s`);
      const v = r.verification[0];
      assertEquals(v.counts, { utterances: 100, speakers: 10, target: 450, nonTarget: 2250 });
      const eer = v.systems[0].metrics["EER %"];
      assert(eer > 0 && eer < 15, `fbank-stats EER ${eer}`);
      const names = r.diarization.map((d) => d.name).join(" | ");
      assert(names.includes("sample.wav") && names.includes("ES2005a"), names);
      const vbx = r.diarization.find((d) => d.name.includes("ES2005a"))!;
      const best = Math.min(...vbx.systems.map((s) => s.metrics["DER %"]));
      assert(best < 20, `best clusterer on the VBx x-vectors: DER ${best}`);
      checkReport(await Deno.readTextFile(join(dir, "report.html")));
      console.error(
        `demo (shared data) in ${secs.toFixed(1)} s: ${
          JSON.stringify(r.verification.map((x) => x.systems.map((s) => [s.label, s.metrics["EER %"]])))
        }`,
      );
    });
  },
);

Deno.test({
  name: chromiumPresent()
    ? "the report renders in headless Chromium"
    : "the report renders in headless Chromium (SKIPPED: /usr/bin/chromium absent)",
  ignore: !chromiumPresent(),
  async fn() {
    await withTempDir(async (dir) => {
      await demo({ outDir: dir, synthetic: true, quiet: true });
      const png = join(dir, "report.png");
      await screenshot(join(dir, "report.html"), png, 1000, 1400);
      const bytes = await Deno.readFile(png);
      assertEquals(Array.from(bytes.subarray(0, 8)), [137, 80, 78, 71, 13, 10, 26, 10], "a PNG");
      // a blank page compresses to a few kB; the charts make it far larger
      assert(bytes.length > 30_000, `screenshot only ${bytes.length} bytes: did the report render?`);
    });
  },
});

if (!hasShared()) console.error("demo_test: shared data absent; only the synthetic demo runs");
