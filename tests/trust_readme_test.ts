/**
 * Issue 17, item 4: the README's measured blocks are rewritten from results files by
 * bench/readme_numbers.ts; blocks whose results file is missing stay as they are; every block in
 * README.md has a generator.
 */
import { assert, assertEquals } from "./assert.ts";
import { join } from "node:path";
import { ROOT, withTempDir } from "./helpers.ts";
import { GENERATORS, rewrite, table } from "../bench/readme_numbers.ts";

const DEMO = {
  seed: 7,
  verification: [{
    dataset: "x",
    systems: [
      {
        label: "fbank-stats",
        metrics: {
          "EER %": 8.5333,
          "minDCF 0.01": 0.30222,
          "minDCF 0.05": 0.28578,
          Cllr: 1.1706,
          minCllr: 0.2625,
        },
      },
      {
        label: "TDNN",
        metrics: {
          "EER %": 6.0889,
          "minDCF 0.01": 0.5722,
          "minDCF 0.05": 0.3867,
          Cllr: 0.838,
          minCllr: 0.22,
        },
        info: { ep: "node" },
      },
    ],
  }],
  diarization: [{
    name: "AMI ES2005a, VBx x-vectors",
    systems: [{ label: "vbx", metrics: { "DER %": 7.0634, speakers: 5 } }],
  }],
};

Deno.test("readme: blocks are rewritten from the results files; inline blocks stay inline", async () => {
  await withTempDir(async (dir) => {
    const demo = join(dir, "results.json");
    await Deno.writeTextFile(demo, JSON.stringify(DEMO));
    const text = [
      "# T",
      "| a | <!-- BEGIN generated:demo-eer-inline -->8.93 %<!-- END generated:demo-eer-inline --> |",
      "<!-- BEGIN generated:demo-verification -->",
      "old table",
      "<!-- END generated:demo-verification -->",
      "<!-- BEGIN generated:fbank-accuracy -->",
      "kept: no results file",
      "<!-- END generated:fbank-accuracy -->",
      "tail",
    ].join("\n");
    const { text: out, log } = await rewrite(text, { demo, bench: join(dir, "nothing") });
    assertEquals(
      out.split("\n")[1],
      "| a | <!-- BEGIN generated:demo-eer-inline -->fbank-stats 8.53 %, TDNN 6.09 %<!-- END generated:demo-eer-inline --> |",
    );
    assert(
      out.includes("| fbank-stats                   | 8.53 % | 0.302 / 0.286      | 1.17 / 0.26    |"),
      out,
    );
    assert(
      out.includes("| TDNN (node)                   | 6.09 % | 0.572 / 0.387      | 0.84 / 0.22    |"),
      out,
    );
    assert(out.includes("kept: no results file") && out.endsWith("tail"));
    assert(log.some((l) => l.startsWith("fbank-accuracy:") && l.includes("missing")), log.join("\n"));
    // a second run changes nothing
    assertEquals((await rewrite(out, { demo, bench: join(dir, "nothing") })).text, out);
  });
});

Deno.test("readme: markdown tables are padded like deno fmt; every block in README.md has a generator", async () => {
  assertEquals(
    table(["a", "bb"], [["x", "1"], ["long", "22"]]),
    "| a    | bb  |\n| ---- | --- |\n| x    | 1   |\n| long | 22  |",
  );
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  for (const m of readme.matchAll(/<!-- BEGIN generated:([\w-]+) -->/g)) assert(GENERATORS[m[1]], m[1]);
});
