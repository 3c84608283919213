/**
 * Issue 17, item 8: report polish. DET axis labels never overlap (0.1 and 0.2 % sit a few pixels apart
 * on a probit axis and printed as "0.10.2"); the PCA legend never covers a point. Checked on the SVG
 * geometry; the demo report was also rendered with headless chromium and looked at.
 */
import { assert } from "./assert.ts";
import { detSvg, scatterSvg } from "../core/report/charts.ts";
import { detSvg as detPlot } from "../core/scoring/det_plot.ts";

/** [x, text] of every axis label at a given y (the x-axis row). */
function xLabels(svg: string, y: number): [number, string][] {
  return [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*text-anchor="middle">([^<]*)<\/text>/g)]
    .filter((m) => Math.abs(Number(m[2]) - y) < 0.5).map((m) => [Number(m[1]), m[3]]);
}

function assertNoOverlap(labels: [number, string][], pxPerChar: number, what: string): void {
  const sorted = [...labels].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < sorted.length; i++) {
    const [xa, ta] = sorted[i - 1], [xb, tb] = sorted[i];
    const gap = xb - xa - (ta.length + tb.length) * pxPerChar / 2;
    assert(
      gap >= 2,
      `${what}: labels '${ta}' at ${xa} and '${tb}' at ${xb} overlap (gap ${gap.toFixed(1)} px)`,
    );
  }
}

Deno.test("report: DET axis labels do not overlap (report chart and standalone DET plot)", () => {
  const scores = Array.from({ length: 200 }, (_, i) => Math.sin(i) + (i % 2 ? 1 : 0));
  const labels = Array.from({ length: 200 }, (_, i) => i % 2);
  const svg = detSvg([{ label: "a", scores, labels }]);
  const y = Number(
    /<text x="[\d.]+" y="([\d.]+)" font-size="10" text-anchor="middle">0\.1<\/text>/.exec(svg)![1],
  );
  const xl = xLabels(svg, y);
  assert(xl.length >= 8, `${xl.length} x labels`);
  assertNoOverlap(xl, 5.6, "report DET");
  for (const w of [300, 480]) {
    const plot = detPlot([{ label: "a", pfa: [0.5, 0.1, 0.01], pmiss: [0.01, 0.1, 0.5] }], {
      width: w,
      height: w,
    });
    const yy = Number(/<text x="[\d.]+" y="([\d.]+)" text-anchor="middle">0\.1<\/text>/.exec(plot)![1]);
    assertNoOverlap(xLabels(plot, yy), 6.6, `DET plot ${w}px`);
  }
});

Deno.test("report: the PCA legend sits beside the points, never over them", () => {
  const n = 120, pts = new Float64Array(2 * n), classes: string[] = [];
  for (let i = 0; i < n; i++) {
    pts[2 * i] = (i % 11) - 5 + 0.3 * Math.sin(i); // points reach every corner, the upper right included
    pts[2 * i + 1] = Math.floor(i / 11) - 5;
    classes.push(`spk${i % 10}`);
  }
  const svg = scatterSvg(pts, classes, "PCA");
  const maxCx = Math.max(...[...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]) + 3.2));
  const legendX = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="16" height="10"/g)].map((m) =>
    Number(m[1])
  );
  assert(legendX.length === 10, `${legendX.length} legend entries`);
  for (const x of legendX) assert(x > maxCx, `legend at x=${x} overlaps points up to x=${maxCx}`);
});
