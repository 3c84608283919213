/**
 * DET plot as a standalone SVG (no dependencies): probit-scaled axes from 0.1 % to 50 %, one polyline
 * per system, the EER diagonal, and a legend.
 * @module
 */
import { writeFileAtomic } from "../atomic.ts";
import { probit } from "./metrics.ts";

/** One system's curve: false-alarm and miss probabilities in [0, 1]. */
export interface DetSeries {
  readonly label: string;
  readonly pfa: ArrayLike<number>;
  readonly pmiss: ArrayLike<number>;
}

/** Plot options. */
export interface DetPlotOptions {
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
  /** Axis range as probabilities (default 0.001 .. 0.5). */
  readonly min?: number;
  readonly max?: number;
}

const TICKS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4];
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Renders DET curves as SVG text. */
export function detSvg(series: readonly DetSeries[], opts: DetPlotOptions = {}): string {
  const w = opts.width ?? 480, h = opts.height ?? 480, m = 56;
  const lo = probit(opts.min ?? 0.001), hi = probit(opts.max ?? 0.5);
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
  const X = (p: number) => m + ((clamp(probit(p)) - lo) / (hi - lo)) * (w - 2 * m);
  const Y = (p: number) => h - m - ((clamp(probit(p)) - lo) / (hi - lo)) * (h - 2 * m);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
  ];
  let lastRight = -Infinity, lastY = Infinity; // skip a label that would run into the previous one
  for (const t of TICKS.filter((t) => probit(t) >= lo && probit(t) <= hi)) {
    const label = `${Number((t * 100).toPrecision(3))}`;
    out.push(`<line x1="${X(t).toFixed(1)}" y1="${m}" x2="${X(t).toFixed(1)}" y2="${h - m}" stroke="#ddd"/>`);
    out.push(`<line x1="${m}" y1="${Y(t).toFixed(1)}" x2="${w - m}" y2="${Y(t).toFixed(1)}" stroke="#ddd"/>`);
    const half = label.length * 3.3; // ~6.6 px per character at 11 px
    if (X(t) - half >= lastRight + 3) {
      out.push(`<text x="${X(t).toFixed(1)}" y="${h - m + 14}" text-anchor="middle">${label}</text>`);
      lastRight = X(t) + half;
    }
    if (lastY - Y(t) >= 12) {
      out.push(`<text x="${m - 4}" y="${(Y(t) + 4).toFixed(1)}" text-anchor="end">${label}</text>`);
      lastY = Y(t);
    }
  }
  out.push(`<rect x="${m}" y="${m}" width="${w - 2 * m}" height="${h - 2 * m}" fill="none" stroke="black"/>`);
  out.push(`<line x1="${m}" y1="${h - m}" x2="${w - m}" y2="${m}" stroke="#999" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${w / 2}" y="${h - 16}" text-anchor="middle">False alarm probability (%)</text>`);
  out.push(
    `<text x="16" y="${h / 2}" text-anchor="middle" transform="rotate(-90 16 ${
      h / 2
    })">Miss probability (%)</text>`,
  );
  if (opts.title) {
    out.push(
      `<text x="${w / 2}" y="${m - 20}" text-anchor="middle" font-size="13">${esc(opts.title)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const pts: string[] = [];
    for (let k = 0; k < s.pfa.length; k++) pts.push(`${X(s.pfa[k]).toFixed(2)},${Y(s.pmiss[k]).toFixed(2)}`);
    const color = COLORS[i % COLORS.length];
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(" ")}"/>`);
    out.push(
      `<text x="${w - m - 6}" y="${m + 16 + 14 * i}" text-anchor="end" fill="${color}">${
        esc(s.label)
      }</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/** Writes the SVG atomically to `path`. */
export async function writeDetSvg(
  path: string,
  series: readonly DetSeries[],
  opts: DetPlotOptions = {},
): Promise<void> {
  await writeFileAtomic(path, detSvg(series, opts));
}
