/**
 * The retrieval recipe: a text backbone embeds a collection's documents, then its queries; cosine
 * retrieval is scored by the `ir-metrics` metric plugin at several Matryoshka dimensions. Default
 * collection: Cranfield (1400 docs, 225 queries, binary relevance from cranqrel).
 *
 * Stages: collection, embed (documents first, so a backbone that fits on its first batch fits on the
 * corpus), metrics.
 * @module
 */
import { readCranfield } from "../retrieval/cranfield.ts";
import {
  embedTexts,
  openRun,
  type PluginSpec,
  records,
  resolve,
  retrievalFigures,
  type RunOptions,
  type StageRecord,
} from "./stages/mod.ts";

/** Options of {@link irEval}. */
export interface IrEvalOptions extends RunOptions {
  /** Folder with cran.all.1400, cran.qry and cranqrel. */
  readonly cranfield: string;
  /** Text backbone (default tfidf-text). */
  readonly backbone?: string | PluginSpec;
  /** Matryoshka dims to evaluate at (default: full, 1/4, 1/16 of the backbone dim, >= 16). */
  readonly dims?: readonly number[];
}

/** What {@link irEval} returns. */
export interface IrEvalResult {
  readonly backbone: string;
  readonly info: Record<string, unknown>;
  readonly counts: { docs: number; queries: number; judged: number };
  /** dim -> metric -> value. */
  readonly metrics: Record<string, Record<string, number>>;
  readonly stages: StageRecord[];
}

/** Runs retrieval evaluation end to end. */
export async function irEval(opts: IrEvalOptions): Promise<IrEvalResult> {
  const run = openRun("ir-eval", { seed: 0, ...opts });
  const bb = await resolve(run, "backbone", opts.backbone ?? "tfidf-text");
  // 1. the collection: documents [Nd], queries [Nq], relevant document rows per query
  const col = await run.stages.stage("collection", { files: [opts.cranfield] }, async () => {
    const c = await readCranfield(opts.cranfield);
    const docIndex = new Map(c.docs.map((d, i) => [d.id, i]));
    return {
      docs: c.docs.map((d) => ({ id: `doc ${d.id}`, text: d.text })),
      queries: c.queries.map((q, i) => ({ id: `query ${i + 1}`, text: q.text })),
      relevant: c.queries.map((q) =>
        [...(c.qrels.get(q.id)?.keys() ?? [])].flatMap((d) => docIndex.has(d) ? [docIndex.get(d)!] : [])
      ),
    };
  });
  // 2. embeddings: documents [Nd, D], then queries [Nq, D]
  const emb = await embedTexts(run, { docs: col.docs, queries: col.queries }, bb);
  // 3. IR metrics at each Matryoshka dim
  const full = emb.docs.cols;
  const dims = opts.dims?.length
    ? [...opts.dims]
    : [...new Set([full, Math.floor(full / 4), Math.floor(full / 16)].filter((d) => d >= 16))];
  const metrics = await run.stages.stage(
    "metrics",
    { config: { dims }, inputs: [emb, col] },
    () => retrievalFigures(run, emb.queries, emb.docs, col.relevant, dims),
  );
  return {
    backbone: bb.label,
    info: emb.info,
    counts: {
      docs: col.docs.length,
      queries: col.queries.length,
      judged: col.relevant.reduce((a, x) => a + x.length, 0),
    },
    metrics,
    stages: records(run),
  };
}
