/**
 * What identifies an embedding space: the backbone's model sha256, its front end and its dimension.
 * Every stored row carries the sha256 and front end; a store is bound to one space by its first
 * enrollment and refuses any other (cosine scores between two models' embeddings mean nothing).
 * @module
 */
import { StoreError } from "./errors.ts";

/** The embedding space a backbone produces. */
export interface ModelId {
  /** sha256 of the model file (onnx-speaker), else of the backbone's name, resolved config and code hash. */
  readonly sha256: string;
  /** The front end as canonical JSON (preset, fbank/mel options, layout, sample rate). */
  readonly frontend: string;
  /** Embedding dimension. */
  readonly dim: number;
  /** The backbone spec that produced it (`onnx-speaker:model=...`), to tell users what to pass. */
  readonly backbone: string;
}

/** JSON with sorted keys, so equal configs give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${
      Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) =>
        `${JSON.stringify(k)}:${canonicalJson(o[k])}`
      )
        .join(",")
    }}`;
  }
  return JSON.stringify(v ?? null);
}

/** Throws a {@link StoreError} naming both spaces and the fix when `used` is not the store's `bound`. */
export function checkSameModel(where: string, bound: ModelId, used: ModelId, action: string): void {
  if (bound.sha256 === used.sha256 && bound.frontend === used.frontend && bound.dim === used.dim) return;
  const what = bound.sha256 !== used.sha256
    ? `model (sha256 ${used.sha256.slice(0, 12)}…) is not the store's (sha256 ${bound.sha256.slice(0, 12)}…)`
    : bound.frontend !== used.frontend
    ? `front end ${used.frontend} is not the store's ${bound.frontend}`
    : `dimension ${used.dim} is not the store's ${bound.dim}`;
  throw new StoreError(
    where,
    `refusing to ${action} with backbone '${used.backbone}': its ${what}. Scores between embeddings of ` +
      `different models or front ends mean nothing. Use the store's backbone (--backbone '${bound.backbone}'), ` +
      "or another --db for this model",
  );
}
