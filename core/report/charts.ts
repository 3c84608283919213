/**
 * The report's charts as inline SVG strings: DET curves, score histograms, a diarization timeline
 * against the reference, and a 2-D PCA scatter of embeddings.
 * @module
 */
import { axes, color, esc, f, frame, legend, legendWidth, scale, svgOpen, ticks } from "./svg.ts";

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function probit(p: number): number {
  const a = [
    -3.969683028665376e1,
    2.209460984245205e2,
    -2.759285104469687e2,
    1.38357751867269e2,
    -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1,
    1.615858368580409e2,
    -1.556989798598866e2,
    6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3,
    -3.223964580411365e-1,
    -2.400758277161838,
    -2.549732539343734,
    4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Miss and false-alarm rates at every threshold (scores sorted ascending; threshold between them). */
export function detPoints(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
): { pmiss: number[]; pfa: number[] } {
  const idx = Array.from({ length: scores.length }, (_, i) => i).filter((i) =>
    labels[i] === 0 || labels[i] === 1
  );
  idx.sort((a, b) => scores[a] - scores[b]);
  let nt = 0, nn = 0;
  for (const i of idx) labels[i] === 1 ? nt++ : nn++;
  const pmiss = [0], pfa = [1];
  let miss = 0, fa = nn;
  for (let k = 0; k < idx.length; k++) {
    if (labels[idx[k]] === 1) miss++;
    else fa--;
    if (k + 1 < idx.length && scores[idx[k + 1]] === scores[idx[k]]) continue;
    pmiss.push(nt ? miss / nt : 0);
    pfa.push(nn ? fa / nn : 0);
  }
  return { pmiss, pfa };
}

/** One system on a DET plot. */
export interface DetSeries {
  readonly label: string;
  readonly scores: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
}

const DET_TICKS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95];

/** DET curves (probit-scaled miss vs false-alarm probability) with the EER diagonal. */
export function detSvg(series: readonly DetSeries[], width = 420, height = 360): string {
  const fr = frame(width, height);
  const pmin = 0.001, pmax = 0.95;
  const lo = probit(pmin), hi = probit(pmax);
  const sx = scale(lo, hi, fr.left, fr.width - fr.right);
  const sy = scale(lo, hi, fr.height - fr.bottom, fr.top);
  const clampP = (p: number) => probit(Math.min(pmax, Math.max(pmin, p)));
  const tk: [number, string][] = DET_TICKS.map((p) => [probit(p), `${+(p * 100).toPrecision(2)}`]);
  const parts = [
    svgOpen(fr, "DET curve"),
    axes(fr, sx, sy, tk, tk, "false-alarm probability (%)", "miss probability (%)"),
  ];
  parts.push(
    `<line x1="${f(sx(lo))}" y1="${f(sy(lo))}" x2="${f(sx(hi))}" y2="${
      f(sy(hi))
    }" stroke="#bbb" stroke-dasharray="3 3"/>`,
  );
  series.forEach((s, i) => {
    const { pmiss, pfa } = detPoints(s.scores, s.labels);
    const pts: string[] = [];
    let last = "";
    for (let k = 0; k < pmiss.length; k++) {
      const p = `${f(sx(clampP(pfa[k])))},${f(sy(clampP(pmiss[k])))}`;
      if (p !== last) pts.push(p);
      last = p;
    }
    parts.push(`<polyline fill="none" stroke="${color(i)}" stroke-width="2" points="${pts.join(" ")}"/>`);
  });
  // legend in the upper right, as wide as its longest label (about 5.6 px per character at 10 px)
  const longest = Math.max(...series.map((s) => s.label.length));
  parts.push(
    legend(
      fr.width - fr.right - 28 - longest * 5.6,
      fr.top + 12,
      series.map((s, i) => ({ label: s.label, color: color(i) })),
    ),
  );
  parts.push("</svg>");
  return parts.join("");
}

/** Overlaid target / non-target score histograms (density-normalised so both are visible). */
export function histogramSvg(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  title: string,
  width = 380,
  height = 240,
  bins = 40,
): string {
  const fr = frame(width, height);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) continue;
    lo = Math.min(lo, scores[i]);
    hi = Math.max(hi, scores[i]);
  }
  if (!(hi > lo)) hi = lo + 1;
  const w = (hi - lo) / bins;
  const counts = [new Float64Array(bins), new Float64Array(bins)];
  const totals = [0, 0];
  for (let i = 0; i < scores.length; i++) {
    const l = labels[i];
    if (l !== 0 && l !== 1) continue;
    counts[l][Math.min(bins - 1, Math.floor((scores[i] - lo) / w))]++;
    totals[l]++;
  }
  const dens = counts.map((c, l) => Array.from(c, (v) => (totals[l] ? v / totals[l] / w : 0)));
  const ymax = Math.max(1e-9, ...dens[0], ...dens[1]);
  const sx = scale(lo, hi, fr.left, fr.width - fr.right);
  const sy = scale(0, ymax * 1.05, fr.height - fr.bottom, fr.top);
  const parts = [
    svgOpen(fr, title),
    axes(
      fr,
      sx,
      sy,
      ticks(lo, hi).map((v) => [v, String(v)]),
      ticks(0, ymax).map((v) => [v, String(v)]),
      "score",
      "density",
    ),
  ];
  const names = ["non-target", "target"], colors = ["#e15759", "#4e79a7"];
  for (const l of [0, 1]) {
    for (let b = 0; b < bins; b++) {
      if (!dens[l][b]) continue;
      const x = sx(lo + b * w), y = sy(dens[l][b]);
      parts.push(
        `<rect x="${f(x)}" y="${f(y)}" width="${f(sx(lo + (b + 1) * w) - x)}" height="${
          f(sy(0) - y)
        }" fill="${colors[l]}" fill-opacity="0.55"/>`,
      );
    }
  }
  parts.push(
    legend(
      fr.left + 8,
      fr.top + 12,
      [0, 1].map((l) => ({ label: `${names[l]} (${totals[l]})`, color: colors[l] })),
    ),
  );
  parts.push("</svg>");
  return parts.join("");
}

/** A speaker turn. */
export interface Turn {
  readonly start: number;
  readonly end: number;
  readonly speaker: string;
}

/**
 * Diarization timeline: a reference lane and a system lane, one row per speaker inside each (so
 * overlapping turns never hide each other), system speakers coloured like the reference speaker they
 * overlap most, and under each lane a dark strip where two or more of its speakers talk at once
 * (overlapped speech), so overlap is visible at a glance and comparable between the lanes.
 */
export function timelineSvg(
  ref: readonly Turn[],
  hyp: readonly Turn[],
  title: string,
  width = 780,
  height?: number,
): string {
  const refSpk = [...new Set(ref.map((t) => t.speaker))];
  const hypSpk = [...new Set(hyp.map((t) => t.speaker))];
  const ROW = 11, STRIP = 5, GAP = 8;
  const laneH = (n: number) => Math.max(1, n) * ROW + 4 + STRIP + 2;
  const auto = 14 + laneH(refSpk.length) + GAP + laneH(hypSpk.length) + 34;
  const fr = { width, height: height ?? auto, left: 92, right: 12, top: 14, bottom: 34 };
  const end = Math.max(1, ...ref.map((t) => t.end), ...hyp.map((t) => t.end));
  const sx = scale(0, end, fr.left, fr.width - fr.right);
  // map each hypothesis speaker to the reference speaker it overlaps most, so matching colours mean agreement
  const hypColor = new Map<string, string>();
  const used = new Set<number>();
  for (const h of hypSpk) {
    let best = -1, bestOv = 0;
    refSpk.forEach((r, ri) => {
      let ov = 0;
      for (const a of hyp) {
        if (a.speaker !== h) continue;
        for (const b of ref) {
          if (b.speaker === r) ov += Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
        }
      }
      if (ov > bestOv && !used.has(ri)) [best, bestOv] = [ri, ov];
    });
    if (best >= 0) used.add(best);
    hypColor.set(h, color(best >= 0 ? best : refSpk.length + hypColor.size));
  }
  const lanes = [
    { name: "reference", turns: ref, spk: refSpk, col: (s: string) => color(refSpk.indexOf(s)) },
    { name: "system", turns: hyp, spk: hypSpk, col: (s: string) => hypColor.get(s) ?? "#999" },
  ];
  const parts = [svgOpen(fr, title)];
  let y = fr.top;
  for (const lane of lanes) {
    const h = laneH(lane.spk.length), rows = Math.max(1, lane.spk.length) * ROW;
    parts.push(
      `<text x="${fr.left - 6}" y="${
        f(y + rows / 2 + 2)
      }" font-size="11" text-anchor="end" dominant-baseline="middle">${lane.name}</text>`,
      `<rect x="${fr.left}" y="${f(y)}" width="${f(sx(end) - fr.left)}" height="${
        rows + 4
      }" fill="#f4f4f4"/>`,
    );
    for (const t of lane.turns) {
      const k = lane.spk.indexOf(t.speaker);
      parts.push(
        `<rect x="${f(sx(t.start))}" y="${f(y + 2 + k * ROW + 1)}" width="${
          f(Math.max(0.5, sx(t.end) - sx(t.start)))
        }" height="${ROW - 2}" fill="${lane.col(t.speaker)}"><title>${
          esc(`${t.speaker} ${t.start.toFixed(2)}-${t.end.toFixed(2)} s`)
        }</title></rect>`,
      );
    }
    for (const [a, b] of overlapRegions(lane.turns)) {
      parts.push(
        `<rect x="${f(sx(a))}" y="${f(y + rows + 5)}" width="${
          f(Math.max(0.5, sx(b) - sx(a)))
        }" height="${STRIP}" fill="#333"><title>${
          esc(`overlapped speech ${a.toFixed(2)}-${b.toFixed(2)} s`)
        }</title></rect>`,
      );
    }
    y += h + GAP;
  }
  const y0 = fr.height - fr.bottom;
  for (const v of ticks(0, end, 10)) {
    parts.push(`<line x1="${f(sx(v))}" y1="${y0}" x2="${f(sx(v))}" y2="${y0 + 4}" stroke="#666"/>`);
    parts.push(`<text x="${f(sx(v))}" y="${y0 + 15}" font-size="10" text-anchor="middle">${v}</text>`);
  }
  const mid = (fr.left + fr.width - fr.right) / 2;
  parts.push(
    `<text x="${f(mid)}" y="${fr.height - 4}" font-size="11" text-anchor="middle">time (s)</text>`,
    `<rect x="${fr.width - fr.right - 150}" y="${fr.height - 12}" width="14" height="${STRIP}" fill="#333"/>`,
    `<text x="${fr.width - fr.right - 132}" y="${fr.height - 7}" font-size="10">overlap (2+ speakers)</text>`,
    "</svg>",
  );
  return parts.join("");
}

/** Time regions where two or more turns (of different or the same speaker) are active. */
function overlapRegions(turns: readonly Turn[]): [number, number][] {
  const ev = turns.flatMap((t) => [[t.start, 1], [t.end, -1]] as [number, number][])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  let n = 0, from = 0;
  for (const [t, d] of ev) {
    if (n < 2 && n + d >= 2) from = t;
    if (n >= 2 && n + d < 2 && t > from) out.push([from, t]);
    n += d;
  }
  return out;
}

/** 2-D scatter of projected embeddings, one colour per class. */
export function scatterSvg(
  points: Float64Array,
  classes: readonly string[],
  title: string,
  width = 380,
  height = 340,
): string {
  const names = [...new Set(classes)];
  const showLegend = names.length <= 12;
  // the legend goes in a right margin of its own, never over the points
  const lw = showLegend ? legendWidth(names) + 12 : 0;
  const fr0 = frame(width + lw, height);
  const fr = { ...fr0, right: fr0.right + lw };
  const n = classes.length;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, points[2 * i]);
    x1 = Math.max(x1, points[2 * i]);
    y0 = Math.min(y0, points[2 * i + 1]);
    y1 = Math.max(y1, points[2 * i + 1]);
  }
  if (!(x1 > x0)) [x0, x1] = [x0 - 1, x0 + 1];
  if (!(y1 > y0)) [y0, y1] = [y0 - 1, y0 + 1];
  const px = (x1 - x0) * 0.05, py = (y1 - y0) * 0.05;
  const sx = scale(x0 - px, x1 + px, fr.left, fr.width - fr.right);
  const sy = scale(y0 - py, y1 + py, fr.height - fr.bottom, fr.top);
  const fmt = (v: number) => String(+v.toPrecision(2));
  const parts = [
    svgOpen(fr, title),
    axes(
      fr,
      sx,
      sy,
      ticks(x0, x1, 4).map((v) => [v, fmt(v)]),
      ticks(y0, y1, 4).map((v) => [v, fmt(v)]),
      "PC 1",
      "PC 2",
    ),
  ];
  for (let i = 0; i < n; i++) {
    parts.push(
      `<circle cx="${f(sx(points[2 * i]))}" cy="${f(sy(points[2 * i + 1]))}" r="3.2" fill="${
        color(names.indexOf(classes[i]))
      }" fill-opacity="0.85"><title>${esc(classes[i])}</title></circle>`,
    );
  }
  if (showLegend) {
    parts.push(
      legend(fr.width - lw + 4, fr.top + 10, names.map((c, i) => ({ label: c, color: color(i) }))),
    );
  }
  parts.push("</svg>");
  return parts.join("");
}
