/**
 * The retrieval pipeline: a text backbone embeds a collection's documents, then its queries; cosine
 * retrieval is scored by the `ir-metrics` scorer plugin at several Matryoshka dimensions. Default
 * collection: Cranfield (1400 docs, 225 queries, binary relevance from cranqrel).
 *
 * Stages: collection, embed (documents first, so a backbone that fits on its first batch fits on
 * the corpus), metrics.
 * @module
 */
import type { Metric } from "../contracts/scorer.ts";
import { ConfigError } from "../errors.ts";
import type { Matrix } from "../matrix.ts";
import { Pipeline, type StageRecord } from "../pipeline/runner.ts";
import type { Registry } from "../registry.ts";
import { readCranfield } from "../retrieval/cranfield.ts";
import { embedAll, labelOf, type PluginSpec, reg, resolved, spec } from "./common.ts";

/** Options of {@link irEval}. */
export interface IrEvalOptions {
  /** Folder with cran.all.1400, cran.qry and cranqrel. */
  readonly cranfield: string;
  /** Text backbone (default tfidf-text). */
  readonly backbone?: string | PluginSpec;
  /** Matryoshka dims to evaluate at (default: full, 1/4, 1/16 of the backbone dim, >= 16). */
  readonly dims?: readonly number[];
  readonly seed?: number;
  readonly workDir?: string;
  readonly resume?: boolean;
  readonly registry?: Registry;
  readonly quiet?: boolean;
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
  const r = reg(opts.registry);
  const bb = spec(opts.backbone ?? "tfidf-text");
  const bbCfg = resolved(r, "backbone", bb);
  if (!r.has("scorer", "ir-metrics")) {
    throw new ConfigError("ir-eval", "the 'ir-metrics' scorer plugin is not registered");
  }
  const p = new Pipeline({
    name: "ir-eval",
    workDir: opts.workDir,
    resume: opts.resume,
    seed: opts.seed ?? 0,
    quiet: opts.quiet,
  });
  const col = await p.stage("collection", { files: [opts.cranfield] }, async () => {
    const c = await readCranfield(opts.cranfield);
    const docIndex = new Map(c.docs.map((d, i) => [d.id, i]));
    return {
      docs: c.docs.map((d) => d.text),
      docIds: c.docs.map((d) => d.id),
      queries: c.queries.map((q) => q.text),
      relevant: c.queries.map((q) =>
        [...(c.qrels.get(q.id)?.keys() ?? [])].map((d) => docIndex.get(d)).filter((i) =>
          i !== undefined
        ) as number[]
      ),
    };
  });
  const emb = await p.stage("embed", { config: { backbone: bbCfg }, inputs: [col] }, async () => {
    const model = await r.create("backbone", bb.name, bb.options ?? {});
    if (model.modality !== "text") {
      throw new ConfigError("ir-eval", `backbone '${bb.name}' takes ${model.modality}, not text`);
    }
    try {
      // documents first: a backbone that fits on its first batch (tfidf-text) fits on the corpus
      const docs = await embedAll(
        model,
        col.docs.length,
        (i) => ({ id: `doc ${col.docIds[i]}`, text: col.docs[i] }),
        "embed documents",
        col.docs.length,
      );
      const queries = await embedAll(
        model,
        col.queries.length,
        (i) => ({ id: `query ${i + 1}`, text: col.queries[i] }),
        "embed queries",
        col.queries.length,
      );
      return { docs, queries, info: model.info() };
    } finally {
      await model.dispose?.();
    }
  });
  const full = emb.docs.cols;
  const dims = opts.dims?.length
    ? [...opts.dims]
    : [...new Set([full, Math.floor(full / 4), Math.floor(full / 16)].filter((d) => d >= 16))];
  const metrics = await p.stage("metrics", { config: { dims }, inputs: [emb, col] }, async () => {
    const m = await r.create("scorer", "ir-metrics", { dims }) as Metric;
    const flat = m.compute({
      queries: emb.queries as Matrix,
      corpus: emb.docs as Matrix,
      relevant: col.relevant,
    });
    const out: Record<string, Record<string, number>> = {};
    for (const [k, v] of Object.entries(flat)) {
      const mm = /^dim_(\d+)_(.+)$/.exec(k);
      if (mm) (out[mm[1]] ??= {})[mm[2]] = v;
    }
    return out;
  });
  return {
    backbone: labelOf(bb),
    info: emb.info as Record<string, unknown>,
    counts: {
      docs: col.docs.length,
      queries: col.queries.length,
      judged: col.relevant.reduce((a, x) => a + x.length, 0),
    },
    metrics,
    stages: p.records(),
  };
}
