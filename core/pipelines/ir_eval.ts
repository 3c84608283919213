/**
 * The retrieval recipe: a text backbone embeds a collection's documents, then its queries; cosine
 * retrieval is scored by the `ir-metrics` metric plugin (sentence-transformers' InformationRetrievalEvaluator
 * definitions: accuracy/precision/recall@1,3,5,10, NDCG@10, MRR@10, MAP@100) at several Matryoshka
 * dimensions (truncate, then renormalise). Backbones that rank without dense vectors (`bm25`, hybrids:
 * the backbone contract's optional `rank()`) are asked for their top 100 per query instead.
 *
 * Collections: Cranfield (1400 docs, 225 queries, binary relevance from cranqrel), or a pairs file
 * (JSON lines with `anchor`/`positive`, core/text/pairs.ts): queries = anchors, corpus = positives of
 * that file, one relevant passage each, optionally a seeded subset of `sample` pairs.
 *
 * Pairs collections are ranked as the text trainer evaluates after each epoch (core/text/evaluate.ts:
 * WASM cosine top-100 per dim, then the metric plugin on the rankings), so `ir-eval --pairs` reproduces a
 * trained model's recorded dev table; Cranfield keeps the metric plugin's exact scoring of every document.
 *
 * Stages: collection, embed (documents first, so a backbone that fits on its first batch fits on the
 * corpus; or the rankings of a ranking backbone), metrics.
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Matrix } from "../matrix.ts";
import { Rng } from "../random.ts";
import { readCranfield } from "../retrieval/cranfield.ts";
import { pairsAsRetrieval, readPairs } from "../text/pairs.ts";
import { retrievalTable } from "../text/evaluate.ts";
import {
  embedAll,
  openRun,
  pluginKey,
  type PluginSpec,
  records,
  resolve,
  retrievalFigures,
  type Run,
  type RunOptions,
  type StageRecord,
  using,
} from "./stages/mod.ts";

/** Options of {@link irEval}. */
export interface IrEvalOptions extends RunOptions {
  /** Folder with cran.all.1400, cran.qry and cranqrel (ignored when `pairs` is given). */
  readonly cranfield?: string;
  /** A pairs file (.jsonl or .jsonl.gz): queries = anchors, corpus = positives, one relevant each. */
  readonly pairs?: string;
  /** With `pairs`: evaluate a seeded random subset of this many pairs (default: every pair). */
  readonly sample?: number;
  /** Text backbone (default tfidf-text). */
  readonly backbone?: string | PluginSpec;
  /**
   * Matryoshka dims to evaluate at (default: full, 1/4, 1/16 of the backbone dim, >= 16). Not for
   * `bm25`, which has no dense vectors.
   */
  readonly dims?: readonly number[];
}

/** What {@link irEval} returns. */
export interface IrEvalResult {
  readonly backbone: string;
  readonly collection: string;
  readonly info: Record<string, unknown>;
  readonly counts: { docs: number; queries: number; judged: number };
  /** The dims evaluated; null for a ranking backbone without dims (its metrics are under "full"). */
  readonly dims: number[] | null;
  /** dim -> metric -> value. */
  readonly metrics: Record<string, Record<string, number>>;
  readonly stages: StageRecord[];
}

interface Collection {
  docs: { id: string; text: string }[];
  queries: { id: string; text: string }[];
  relevant: number[][];
}

/** Hits a ranking backbone returns per query: MAP@100 needs 100. */
const DEPTH = 100;

/** Runs retrieval evaluation end to end. */
export async function irEval(opts: IrEvalOptions): Promise<IrEvalResult> {
  const run = openRun("ir-eval", { seed: 0, ...opts });
  const bb = await resolve(run, "backbone", opts.backbone ?? "tfidf-text");
  if (bb.name === "bm25" && opts.dims?.length) {
    throw new ConfigError(
      "ir-eval",
      `backbone 'bm25' ranks lexically and has no dense vectors: Matryoshka dims (${opts.dims}) do not apply; drop --dims`,
    );
  }
  if (opts.sample !== undefined && !(Number.isInteger(opts.sample) && opts.sample >= 1)) {
    throw new ConfigError("ir-eval", `'sample' must be a positive integer, got ${opts.sample}`);
  }
  if (!opts.pairs && !opts.cranfield) {
    throw new ConfigError("ir-eval", "give a Cranfield folder or a pairs file (pairs)");
  }
  // 1. the collection: documents [Nd], queries [Nq], relevant document rows per query
  const col = opts.pairs
    ? await pairsCollection(run, opts.pairs, opts.sample)
    : await cranfield(run, opts.cranfield!);
  // 2. embeddings: documents [Nd, D], then queries [Nq, D]; or a ranking backbone's top 100 per query
  const got = await retrieve(run, bb, col, opts.dims);
  // 3. IR metrics at each Matryoshka dim
  const metrics = await run.stages.stage(
    "metrics",
    { config: { dims: got.dims }, inputs: [got, col] },
    async () => {
      if (got.ranked) {
        const m = await run.registry.create("metric", "ir-metrics", {});
        return Object.fromEntries(
          Object.entries(got.ranked).map(([d, r]) => [d, m.compute({ rankings: r, relevant: col.relevant })]),
        );
      }
      if (opts.pairs) {
        // the trainer's own evaluation (WASM cosine top-k), so a trained model's dev table is reproduced
        const m = await run.registry.create("metric", "ir-metrics", {});
        return retrievalTable(got.queries!, got.docs!, col.relevant, got.dims!, m, DEPTH);
      }
      return retrievalFigures(run, got.queries!, got.docs!, col.relevant, got.dims!);
    },
  );
  return {
    backbone: bb.label,
    collection: opts.pairs
      ? `pairs ${opts.pairs}${opts.sample ? ` (sample ${opts.sample})` : ""}`
      : "cranfield",
    info: got.info,
    counts: {
      docs: col.docs.length,
      queries: col.queries.length,
      judged: col.relevant.reduce((a, x) => a + x.length, 0),
    },
    dims: got.dims,
    metrics,
    stages: records(run),
  };
}

function cranfield(run: Run, dir: string): Promise<Collection> {
  return run.stages.stage("collection", { files: [dir] }, async () => {
    const c = await readCranfield(dir);
    const docIndex = new Map(c.docs.map((d, i) => [d.id, i]));
    return {
      docs: c.docs.map((d) => ({ id: `doc ${d.id}`, text: d.text })),
      queries: c.queries.map((q, i) => ({ id: `query ${i + 1}`, text: q.text })),
      relevant: c.queries.map((q) =>
        [...(c.qrels.get(q.id)?.keys() ?? [])].flatMap((d) => docIndex.has(d) ? [docIndex.get(d)!] : [])
      ),
    };
  });
}

/** Queries = anchors, corpus = positives (duplicates kept, as the evaluator is fed), relevant = own row. */
function pairsCollection(run: Run, file: string, sample?: number): Promise<Collection> {
  return run.stages.stage(
    "collection",
    { config: { pairs: true, sample: sample ?? null }, files: [file] },
    async (ctx) => {
      let pairs = await readPairs(file);
      if (sample !== undefined && sample < pairs.length) {
        // a seeded subset, kept in file order
        const idx = new Rng(ctx.seed).shuffle(Array.from({ length: pairs.length }, (_, i) => i)).slice(
          0,
          sample,
        ).sort((
          a,
          b,
        ) => a - b);
        pairs = idx.map((i) => pairs[i]);
      }
      const t = pairsAsRetrieval(pairs);
      return {
        docs: t.corpus.map((text, i) => ({ id: `${file}: positive ${i + 1}`, text })),
        queries: t.queries.map((text, i) => ({ id: `${file}: anchor ${i + 1}`, text })),
        relevant: t.relevant,
      };
    },
  );
}

/** What stage `embed` outputs: dense embeddings, or a ranking backbone's rankings per dim key. */
interface Retrieved {
  docs?: Matrix;
  queries?: Matrix;
  ranked?: Record<string, Int32Array[]>;
  dims: number[] | null;
  info: Record<string, unknown>;
}

function retrieve(
  run: Run,
  bb: Awaited<ReturnType<typeof resolve<"backbone">>>,
  col: Collection,
  dims?: readonly number[],
) {
  return run.stages.stage<Retrieved>(
    "embed",
    { config: { backbone: pluginKey(bb), dims: dims ?? null }, inputs: [col] },
    () =>
      using(run, bb, async (model) => {
        if (model.modality !== "text") {
          throw new ConfigError(run.name, `backbone '${bb.name}' takes ${model.modality}, not text`);
        }
        if (model.rank) {
          const ranked: Record<string, Int32Array[]> = {};
          for (const d of dims?.length ? dims : [undefined]) {
            const r = await model.rank(
              col.queries,
              col.docs,
              DEPTH,
              d === undefined ? undefined : { dim: d },
            );
            ranked[d === undefined ? "full" : String(d)] = r.map((x) => x.indices);
          }
          return { ranked, dims: dims?.length ? [...dims] : null, info: model.info() };
        }
        // each list in one call to the backbone
        const embedTexts = (texts: Collection["docs"], what: string) =>
          embedAll(model, texts.length, (i) => texts[i], `embed ${what}`, texts.length);
        const docs = await embedTexts(col.docs, "docs");
        const queries = await embedTexts(col.queries, "queries");
        const full = docs.cols;
        const use = dims?.length
          ? [...dims]
          : [...new Set([full, Math.floor(full / 4), Math.floor(full / 16)].filter((d) => d >= 16))];
        const bad = use.find((d) => d > full);
        if (bad !== undefined) {
          throw new ConfigError(
            "ir-eval",
            `dim ${bad} exceeds the backbone's ${full} dimensions; give dims <= ${full}`,
          );
        }
        return { docs, queries, dims: use, info: model.info() };
      }),
  );
}
