/**
 * Back-end stage: adapters (mean-sub, LDA, WCCN, PLDA, a user's) fitted in order on embeddings and
 * applied to them. With domain ids, adapters are fitted with the domains and may move only some domains
 * (Mean-Sub moves only the test domain).
 * @module
 */
import type { Adapter } from "../../contracts/adapter.ts";
import type { Matrix } from "../../matrix.ts";
import { create, pluginKey, type Resolved, type Run } from "./context.ts";

/** What the adapters are fitted with. */
export interface BackendData {
  /** Speaker label per row (absent = unsupervised). */
  readonly labels?: Int32Array;
  /** Domain id per row. */
  readonly domains?: Int32Array;
  /** Domains whose rows are transformed (default all). */
  readonly transformDomains?: readonly number[];
}

/** Fits one adapter on `x` and returns it. */
export async function fitAdapter(
  run: Run,
  a: Resolved<"adapter">,
  x: Matrix,
  d: BackendData = {},
): Promise<Adapter> {
  const ad = await create(run, a);
  await ad.fit({
    x,
    ...(d.labels ? { labels: d.labels } : {}),
    ...(d.domains ? { domains: d.domains } : {}),
  });
  return ad;
}

/** `ad.transform(x)`, keeping the rows of untransformed domains as they were. */
export function applyAdapter(ad: Adapter, x: Matrix, d: BackendData = {}): Matrix {
  const y = ad.transform(x);
  const { domains, transformDomains } = d;
  if (!domains || !transformDomains || y.cols !== x.cols) return y;
  const out = x.data.slice();
  for (let i = 0; i < x.rows; i++) {
    if (transformDomains.includes(domains[i])) {
      out.set(y.data.subarray(i * y.cols, (i + 1) * y.cols), i * x.cols);
    }
  }
  return { rows: x.rows, cols: x.cols, data: out };
}

/** The cache-key part of back-end data (labels and domains change the fit). */
export function backendKey(adapters: readonly Resolved<"adapter">[], d: BackendData): unknown {
  return {
    backend: adapters.map(pluginKey),
    labels: d.labels ? Array.from(d.labels) : null,
    domains: d.domains ? Array.from(d.domains) : null,
    transformDomains: d.transformDomains ?? null,
  };
}

/** Stage `backend-<label>`: every adapter fitted on the output of the one before, in order. */
export function fitBackend(
  run: Run,
  x0: Matrix,
  adapters: readonly Resolved<"adapter">[],
  d: BackendData,
  stage: string,
  inputs: readonly unknown[] = [],
): Promise<Matrix> {
  return run.stages.stage(stage, { config: backendKey(adapters, d), inputs: [x0, ...inputs] }, async () => {
    let x = x0;
    for (const a of adapters) x = applyAdapter(await fitAdapter(run, a, x, d), x, d);
    return x;
  });
}
