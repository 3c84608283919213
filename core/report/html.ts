/**
 * One self-contained HTML report (inline CSS and SVG, no scripts, no external assets) for the demo and
 * for any pipeline that wants to show its results.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { detSvg, histogramSvg, scatterSvg, timelineSvg, type Turn } from "./charts.ts";
import { pcaProject } from "./pca.ts";
import { esc } from "./svg.ts";

/** One verification system (a backbone + back-end) and its trial scores. */
export interface VerificationSection {
  readonly label: string;
  /** Figures shown in the table: EER (%), minDCF... */
  readonly metrics: Readonly<Record<string, number>>;
  readonly scores: ArrayLike<number>;
  /** 1 = target, 0 = non-target. */
  readonly labels: ArrayLike<number>;
  /** Honest caveats (e.g. "random weights, untrained"). */
  readonly note?: string;
  /** Embeddings (one row per utterance) and their speaker, for the PCA scatter. */
  readonly embeddings?: { readonly x: Matrix; readonly classes: readonly string[] };
}

/** One diarization result against its reference. */
export interface DiarizationSection {
  readonly label: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly reference: readonly Turn[];
  readonly hypothesis: readonly Turn[];
  readonly note?: string;
}

/** Everything the report shows. */
export interface ReportData {
  readonly title: string;
  /** What data was used (real shared data or self-generated) and other run facts. */
  readonly notes: readonly string[];
  readonly verification: readonly VerificationSection[];
  readonly diarization: readonly DiarizationSection[];
  /** Extra key/value facts (seeds, timings, versions). */
  readonly facts?: Readonly<Record<string, string | number>>;
  /** Extra tables: a title and rows (first row = header). */
  readonly tables?: readonly {
    readonly title: string;
    readonly rows: readonly (readonly (string | number)[])[];
  }[];
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4);
}

function table(rows: readonly (readonly (string | number)[])[]): string {
  if (!rows.length) return "";
  const [head, ...body] = rows;
  const cell = (v: string | number) => (typeof v === "number" ? fmt(v) : esc(v));
  return `<table><thead><tr>${head.map((h) => `<th>${cell(h)}</th>`).join("")}</tr></thead><tbody>${
    body.map((r) => `<tr>${r.map((v, i) => `<td${i ? ' class="num"' : ""}>${cell(v)}</td>`).join("")}</tr>`)
      .join("")
  }</tbody></table>`;
}

function metricTable(
  sections: readonly { label: string; metrics: Readonly<Record<string, number>>; note?: string }[],
): string {
  const keys = [...new Set(sections.flatMap((s) => Object.keys(s.metrics)))];
  const rows: (string | number)[][] = [["system", ...keys, "note"]];
  for (const s of sections) rows.push([s.label, ...keys.map((k) => s.metrics[k] ?? "-"), s.note ?? ""]);
  return table(rows);
}

const CSS =
  `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1180px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:14px;margin:14px 0 6px}.notes{color:#555;margin:4px 0 12px;padding-left:18px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 8px;font-size:13px}
th{background:#f4f4f4;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figcaption{font-size:12px;color:#555;max-width:380px}
.facts{font-size:12px;color:#555}`;

/** Renders the report as one HTML string. */
export function renderReport(data: ReportData): string {
  const out: string[] = [
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${
      esc(data.title)
    }</title><style>${CSS}</style></head><body>`,
    `<h1>${esc(data.title)}</h1>`,
    `<ul class="notes">${data.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`,
  ];
  if (data.verification.length) {
    out.push(`<h2>Speaker verification</h2>`, metricTable(data.verification));
    out.push(
      `<div class="grid"><figure>${
        detSvg(data.verification.map((v) => ({ label: v.label, scores: v.scores, labels: v.labels })))
      }<figcaption>DET curves (probit axes); the dashed diagonal is where miss = false alarm (EER).</figcaption></figure>`,
    );
    for (const v of data.verification) {
      out.push(
        `<figure>${histogramSvg(v.scores, v.labels, `score histogram: ${v.label}`)}<figcaption>Scores of ${
          esc(v.label)
        }: target vs non-target trials.</figcaption></figure>`,
      );
    }
    for (const v of data.verification) {
      if (!v.embeddings || v.embeddings.x.rows < 3) continue;
      const p = pcaProject(v.embeddings.x, 2);
      const share = p.total > 0 ? ((p.variance[0] + (p.variance[1] ?? 0)) / p.total) * 100 : 0;
      out.push(
        `<figure>${
          scatterSvg(p.points, v.embeddings.classes, `PCA of ${v.label} embeddings`)
        }<figcaption>2-D PCA of ${esc(v.label)} embeddings, one colour per speaker (${
          share.toFixed(0)
        } % of variance shown).</figcaption></figure>`,
      );
    }
    out.push(`</div>`);
  }
  if (data.diarization.length) {
    out.push(`<h2>Speaker diarization</h2>`, metricTable(data.diarization));
    for (const d of data.diarization) {
      out.push(
        `<h3>${esc(d.label)}</h3><figure>${
          timelineSvg(d.reference, d.hypothesis, `diarization timeline: ${d.label}`)
        }<figcaption>Top: reference speakers; bottom: system speakers, coloured by the reference speaker they overlap most.</figcaption></figure>`,
      );
    }
  }
  for (const t of data.tables ?? []) out.push(`<h2>${esc(t.title)}</h2>`, table(t.rows));
  if (data.facts) {
    out.push(
      `<h2>Run facts</h2><p class="facts">${
        Object.entries(data.facts).map(([k, v]) => `<b>${esc(k)}</b>: ${esc(String(v))}`).join(" &middot; ")
      }</p>`,
    );
  }
  out.push(`</body></html>\n`);
  return out.join("\n");
}
