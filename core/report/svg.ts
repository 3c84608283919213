/**
 * Tiny SVG building blocks for the self-contained HTML report (no external assets, no scripts).
 * @module
 */

/** Escapes text for XML/HTML. */
export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]!),
  );
}

/** A categorical palette that stays readable for up to 12 classes (Tableau-like). */
export const PALETTE: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
  "#1f77b4",
  "#8c564b",
];

/** Colour for class `i`. */
export function color(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** Linear scale [d0, d1] -> [r0, r1]. */
export function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** Rounds a coordinate for compact SVG. */
export function f(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** "Nice" tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) {
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

/** Plot frame geometry. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** Default frame for a chart of the given size. */
export function frame(width: number, height: number): Frame {
  return { width, height, left: 52, right: 12, top: 14, bottom: 40 };
}

/** Opening <svg> with a title for accessibility. */
export function svgOpen(fr: Frame, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${fr.width} ${fr.height}" width="${fr.width}" height="${fr.height}" role="img" aria-label="${
    esc(title)
  }"><title>${esc(title)}</title>`;
}

/** Axes with tick labels; `xt`/`yt` are [value, label] pairs placed by the given scales. */
export function axes(
  fr: Frame,
  sx: (v: number) => number,
  sy: (v: number) => number,
  xt: [number, string][],
  yt: [number, string][],
  xlabel: string,
  ylabel: string,
): string {
  const x0 = fr.left, x1 = fr.width - fr.right, y0 = fr.height - fr.bottom, y1 = fr.top;
  const parts = [
    `<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="#fff" stroke="#888"/>`,
  ];
  // grid lines for every tick; a label only where it does not run into the previous one (probit axes
  // put 0.1 and 0.2 % a few pixels apart: "0.10.2")
  let lastRight = -Infinity;
  for (const [v, label] of xt) {
    const x = f(sx(v));
    parts.push(`<line x1="${x}" y1="${y1}" x2="${x}" y2="${y0}" stroke="#eee"/>`);
    const half = labelWidth(label) / 2;
    if (sx(v) - half < lastRight + 3) continue;
    lastRight = sx(v) + half;
    parts.push(`<text x="${x}" y="${y0 + 14}" font-size="10" text-anchor="middle">${esc(label)}</text>`);
  }
  let lastY = Infinity;
  for (const [v, label] of yt) {
    const y = f(sy(v));
    parts.push(`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#eee"/>`);
    if (Math.abs(sy(v) - lastY) < 11) continue;
    lastY = sy(v);
    parts.push(
      `<text x="${x0 - 4}" y="${y}" font-size="10" text-anchor="end" dominant-baseline="middle">${
        esc(label)
      }</text>`,
    );
  }
  parts.push(
    `<text x="${f((x0 + x1) / 2)}" y="${fr.height - 6}" font-size="11" text-anchor="middle">${
      esc(xlabel)
    }</text>`,
  );
  parts.push(
    `<text x="12" y="${f((y0 + y1) / 2)}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${
      f((y0 + y1) / 2)
    })">${esc(ylabel)}</text>`,
  );
  return parts.join("");
}

/** Approximate width in px of a 10 px label (DejaVu/Arial digits and lower case average ~5.6 px). */
export function labelWidth(label: string): number {
  return label.length * 5.6;
}

/** Width of a {@link legend} block: swatch, gap and the longest label. */
export function legendWidth(labels: readonly string[]): number {
  return 20 + Math.max(0, ...labels.map(labelWidth));
}

/** A legend row of coloured swatches, drawn at (x, y). */
export function legend(
  x: number,
  y: number,
  items: { label: string; color: string; dash?: boolean }[],
): string {
  return items.map((it, i) => {
    const yy = y + i * 14;
    const line = it.dash
      ? `<line x1="${x}" y1="${yy}" x2="${
        x + 16
      }" y2="${yy}" stroke="${it.color}" stroke-width="2" stroke-dasharray="4 3"/>`
      : `<rect x="${x}" y="${yy - 5}" width="16" height="10" fill="${it.color}" fill-opacity="0.8"/>`;
    return `${line}<text x="${x + 20}" y="${yy}" font-size="10" dominant-baseline="middle">${
      esc(it.label)
    }</text>`;
  }).join("");
}
