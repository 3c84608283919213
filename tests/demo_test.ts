/**
 * The demo: runs end to end (self-generated data always; the real shared data when present), writes a
 * self-contained report.html + results.json, and the report renders in headless Chromium. Its text
 * table is checked against independent oracles: BM25 and TF-IDF against scikit-learn + numpy
 * (tests/golden/gen_text_bm25.py -> text_bm25.json `dev`), the shipped text model per dim against the dev
 * table its trainer recorded in the model folder (embedkit.json, last epoch: the in-process evaluation
 * during training, not the exported ONNX model the demo runs).
 */
import { assert, assertEquals } from "./assert.ts";
import { golden, hasShared, needsShared, ROOT, SHARED, withTempDir } from "./helpers.ts";
import { join } from "node:path";
import "../plugins/mod.ts";
import { demo, type DemoResult } from "../cli/recipes/demo.ts";

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

/** Every card metric of `got` within `tol` of `want` (a missing metric fails). */
function assertCard(got: Record<string, number>, want: Record<string, number>, what: string, tol = 1e-6) {
  for (const [k, v] of Object.entries(want)) {
    assert(Math.abs(got[k] - v) <= tol, `${what} ${k}: demo ${got[k]} vs ${v}`);
  }
}

/** The text table: BM25 and TF-IDF equal scikit-learn, the shipped model its recorded dev table. */
async function checkText(r: DemoResult, html: string): Promise<void> {
  const t = r.text!;
  assert(t, "the text stage ran on the shared data");
  assertEquals([t.queries, t.documents], [5605, 5605]);
  const gold = golden<{ dev: Record<string, Record<string, number>> }>("text_bm25.json").dev;
  const record = JSON.parse(
    await Deno.readTextFile(join(ROOT, "core", "zoo", "models", "embedkit-text-debian", "embedkit.json")),
  );
  const recorded: Record<string, Record<string, number>> = record.history.at(-1).dev;
  assertEquals(t.model.dims, record.config.evalDims);
  assertEquals(t.systems.map((s) => [s.system, s.dim]), [
    ...t.model.dims.map((d) => ["text:model=zoo:embedkit-text-debian", d]),
    ["bm25", null],
    ["tfidf-text", 18497], // terms in the corpus (scikit-learn TfidfVectorizer vocabulary_)
  ]);
  for (const s of t.systems) {
    const want = s.system === "bm25"
      ? gold.bm25
      : s.system === "tfidf-text"
      ? gold.tfidf
      : recorded[String(s.dim)];
    assertCard(s.metrics, want, `${s.system} dim ${s.dim}`);
    // the report shows the row's NDCG@10 and MAP@100 (4 decimals)
    assert(
      html.includes(`<td class="num">${s.metrics["ndcg@10"].toFixed(4)}</td>`),
      `${s.system} in the report`,
    );
  }
  assert(html.includes("<h2>Text retrieval: Debian descriptions dev (5605 queries, 5605 passages)</h2>"));
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
    assertEquals(res.text, null);
    assert(
      res.notes.some((n: string) => n.startsWith("Text retrieval:") && n.endsWith("skipped.")),
      res.notes,
    );
    assert(!html.includes("<h2>Text retrieval"));
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
      const html = await Deno.readTextFile(join(dir, "report.html"));
      checkReport(html);
      await checkText(r, html);
      console.error(
        `demo (shared data) in ${secs.toFixed(1)} s: ${
          JSON.stringify(r.verification.map((x) => x.systems.map((s) => [s.label, s.metrics["EER %"]])))
        }; text stage ${r.text!.seconds.toFixed(1)} s: ${
          JSON.stringify(r.text!.systems.map((s) => [s.system, s.dim, +s.metrics["ndcg@10"].toFixed(4)]))
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
