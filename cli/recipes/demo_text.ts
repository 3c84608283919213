/**
 * The demo's text-retrieval stage: the text model that ships with embedkit (zoo `embedkit-text-debian`,
 * trained by bench/train_text_debian.ts with the library's text trainer on the train split of the Debian
 * package descriptions) at every Matryoshka dim it was trained for, beside two training-free lexical
 * baselines, BM25 and TF-IDF, on the dev split (shared data `debian-descriptions/dev.jsonl.gz`, 5605 pairs,
 * split by source package from train): queries = the synopses (anchors), corpus = the long descriptions
 * (positives), one relevant passage each, as sentence-transformers' InformationRetrievalEvaluator.
 *
 * - The model and BM25 run through the retrieval recipe (core/pipelines/ir_eval.ts, what `embedkit
 *   ir-eval --pairs` runs): the model's embeddings are ranked as the text trainer's evaluator ranks them
 *   (truncate to the dim, renormalise, cosine top 100), so its rows reproduce the dev table recorded in
 *   the model's embedkit.json; BM25 (Lucene idf, k1 1.2, b 0.75) through the backbone's rank().
 * - TF-IDF: the scikit-learn-exact model inside the `tfidf-text` backbone (core/retrieval/tfidf.ts,
 *   TfidfVectorizer defaults, fitted on the corpus) over its whole vocabulary, ranked by sparse cosine
 *   (inverted index). The backbone through ir-eval at full dim gives the same figures (to 1e-7) but lays
 *   the 18497-term vocabulary out as 830 MB of dense vectors and needs ~45 s for the dense top-k (2 busy
 *   cores); this takes ~2 s.
 * Metrics: the registry's `ir-metrics` plugin (accuracy/precision/recall@k, NDCG@10, MRR@10, MAP@100).
 *
 * Each system is one cached stage (core/pipelines/stages/runner.ts) that keeps only its metrics, keyed
 * by the pairs file, the model folder and the code that computes them; nothing large is written.
 * @module
 */
import { moduleGraphHash } from "../../core/code_hash.ts";
import { ConfigError } from "../../core/errors.ts";
import { exists, join } from "../../core/paths.ts";
import { irEval } from "../../core/pipelines/ir_eval.ts";
import { Pipeline, type PluginSpec } from "../../core/pipelines/stages/mod.ts";
import { type Registry, registry as globalRegistry } from "../../core/registry.ts";
import { sparseCosineScores, TfidfModel } from "../../core/retrieval/tfidf.ts";
import { topKRows } from "../../core/retrieval/ir_metrics.ts";
import { pairsAsRetrieval, readPairs } from "../../core/text/pairs.ts";
import { zooModel } from "../../core/zoo/catalog.ts";
import { installedPath } from "../../core/zoo/store.ts";

/** The text model that ships with embedkit (a zoo name). */
export const SHIPPED_TEXT_MODEL = "embedkit-text-debian";
/** Columns of the report's table: metric key -> header. */
const COLUMNS: Record<string, string> = {
  "ndcg@10": "NDCG@10",
  "mrr@10": "MRR@10",
  "map@100": "MAP@100",
  "accuracy@1": "acc@1",
  "accuracy@3": "acc@3",
  "accuracy@5": "acc@5",
  "accuracy@10": "acc@10",
};

/** One row of the text table: a system at one dim (null: lexical, ranks without vectors). */
export interface TextSystem {
  readonly label: string;
  /** `text:model=zoo:embedkit-text-debian`, `bm25` or `tfidf-text`. */
  readonly system: string;
  readonly dim: number | null;
  /** The `ir-metrics` figures (accuracy/precision/recall@1,3,5,10, ndcg@10, mrr@10, map@100). */
  readonly metrics: Record<string, number>;
}

/** What the stage reports (results.json `text`). */
export interface TextSummary {
  readonly dataset: string;
  readonly queries: number;
  readonly documents: number;
  /** The shipped model's zoo name and the Matryoshka dims it declares (embedkit.json `config.evalDims`). */
  readonly model: { zoo: string; dims: number[] };
  readonly systems: TextSystem[];
  /** Wall time of the stage in this run (cached stages count ~0). */
  readonly seconds: number;
}

/** The model folder and the dims it was trained and evaluated at (its embedkit.json). */
async function shippedTextModel(): Promise<{ folder: string; dims: number[] }> {
  const folder = await installedPath(zooModel(SHIPPED_TEXT_MODEL));
  if (!folder) {
    throw new ConfigError(
      "demo",
      `the text model '${SHIPPED_TEXT_MODEL}' that ships with embedkit is missing; restore core/zoo/models from git`,
    );
  }
  const file = join(folder, "embedkit.json");
  const record = JSON.parse(await Deno.readTextFile(file));
  const dims = record.config?.evalDims ?? record.config?.lossOptions?.dims ?? [record.model?.dim];
  if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ConfigError(
      "demo",
      `${file}: no Matryoshka dims (config.evalDims); re-export the model with embedkit`,
    );
  }
  return { folder, dims };
}

/** TF-IDF over the whole vocabulary, sparse cosine, top 100 per query, `ir-metrics`. */
async function tfidfMetrics(pairs: string, registry: Registry) {
  const task = pairsAsRetrieval(await readPairs(pairs));
  const model = TfidfModel.fit(task.corpus);
  const scores = sparseCosineScores(model.transform(task.queries), model.transform(task.corpus));
  const rankings = topKRows(scores, task.queries.length, task.corpus.length, 100);
  const metric = await registry.create("metric", "ir-metrics", {});
  return {
    vocabulary: model.vocabulary.size,
    metrics: metric.compute({ rankings, relevant: task.relevant }),
  };
}

/** Stage: the card metrics of the shipped text model per dim, BM25 and TF-IDF on the Debian dev pairs. */
export async function textCase(
  o: { pairs?: string; work?: string; registry?: Registry; quiet?: boolean; resume?: boolean },
  notes: string[],
): Promise<{ summary: TextSummary; table: { title: string; rows: (string | number)[][] } } | null> {
  const pairs = o.pairs;
  if (!pairs || !(await exists(pairs))) {
    notes.push(
      `Text retrieval: needs the shared data's Debian package descriptions (${
        pairs ? `${pairs} is absent` : "not used with synthetic data"
      }); skipped.`,
    );
    return null;
  }
  const t0 = performance.now();
  const registry = o.registry ?? globalRegistry;
  const { folder, dims } = await shippedTextModel();
  const p = new Pipeline({
    name: "demo-text",
    workDir: o.work && join(o.work, "text"),
    resume: o.resume,
    quiet: o.quiet,
  });
  const code = {
    recipe: await moduleGraphHash(import.meta.url),
    metric: await registry.codeHash("metric", "ir-metrics"),
  };
  const ranked = async (name: string, spec: PluginSpec, files: string[], d?: number[]) =>
    p.stage(name, {
      config: { spec, dims: d ?? null, ...code, backbone: await registry.codeHash("backbone", spec.name) },
      files,
    }, async () => {
      const r = await irEval({ pairs, backbone: spec, dims: d, registry, quiet: o.quiet });
      return { counts: r.counts, metrics: r.metrics };
    });
  const model = await ranked(
    "model",
    { name: "text", options: { model: `zoo:${SHIPPED_TEXT_MODEL}` } },
    [pairs, folder],
    dims,
  );
  const bm25 = await ranked("bm25", { name: "bm25" }, [pairs]);
  const tfidf = await p.stage("tfidf", {
    config: { ...code, backbone: await registry.codeHash("backbone", "tfidf-text") },
    files: [pairs],
  }, () => tfidfMetrics(pairs, registry));
  const systems: TextSystem[] = [
    ...dims.map((d) => ({
      label: `trained by embedkit (${SHIPPED_TEXT_MODEL})`,
      system: `text:model=zoo:${SHIPPED_TEXT_MODEL}`,
      dim: d,
      metrics: model.metrics[String(d)],
    })),
    { label: "BM25 (k1 1.2, b 0.75)", system: "bm25", dim: null, metrics: bm25.metrics.full },
    {
      label: "TF-IDF (scikit-learn defaults)",
      system: "tfidf-text",
      dim: tfidf.vocabulary,
      metrics: tfidf.metrics,
    },
  ];
  const { queries, docs } = model.counts;
  const dimList = dims.join("/");
  notes.push(
    `Text retrieval: ${pairs} (${queries} Debian synopses as queries, their ${docs} long descriptions as ` +
      `the corpus, one relevant each); the shipped text model at its Matryoshka dims (${dimList}: ` +
      "truncated and renormalised) beside BM25 and TF-IDF over the whole vocabulary (training-free); " +
      "metrics as sentence-transformers' InformationRetrievalEvaluator.",
  );
  const summary: TextSummary = {
    dataset: `Debian package descriptions, dev split (${queries} pairs)`,
    queries,
    documents: docs,
    model: { zoo: SHIPPED_TEXT_MODEL, dims },
    systems,
    seconds: (performance.now() - t0) / 1000,
  };
  return {
    summary,
    table: {
      title: `Text retrieval: Debian descriptions dev (${queries} queries, ${docs} passages)`,
      rows: [
        ["system", "dim", ...Object.values(COLUMNS)],
        ...systems.map((s) => [
          s.label,
          s.dim === null ? "- (ranks)" : s.system === "tfidf-text" ? `${s.dim} (all terms)` : s.dim,
          ...Object.keys(COLUMNS).map((k) => s.metrics[k]),
        ]),
      ],
    },
  };
}
