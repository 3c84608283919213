/**
 * x-vector TDNN (Snyder et al. 2018; WeSpeaker's `XVEC` layout): five frame-level TDNN layers
 * (context 5, 3@d2, 3@d3, 1, 1; no padding, ReLU then BN), temporal statistics pooling, one linear
 * embedding layer. `feats` [B, T, 80] -> `embs` [B, embedDim]. Widths are options so tests can use a
 * small one.
 * @module
 */
import { Graph } from "../writer.ts";
import { batchNorm, conv1d, linear, relu, statsPool, transposeBTF, WeightSource } from "../layers.ts";
import { Rng } from "../../random.ts";
import { type BuiltModel, wespeakerMetadata, wespeakerModel } from "./common.ts";

/** x-vector widths. */
export interface XVectorOptions {
  readonly featDim?: number;
  readonly channels?: number;
  readonly statsChannels?: number;
  readonly embedDim?: number;
  readonly seed?: number;
}

const CONTEXT: [number, number][] = [[5, 1], [3, 2], [3, 3], [1, 1], [1, 1]];

/** Builds an x-vector TDNN with seeded random weights. */
export function buildXVector(o: XVectorOptions = {}): BuiltModel {
  const featDim = o.featDim ?? 80,
    c = o.channels ?? 512,
    sc = o.statsChannels ?? 1500,
    emb = o.embedDim ?? 512;
  const seed = o.seed ?? 1;
  const w = new WeightSource(new Rng(seed));
  const g = new Graph("xvector");
  let x = transposeBTF(g, g.input("feats", ["B", "T", featDim]));
  let cin = featDim;
  CONTEXT.forEach(([k, d], i) => {
    const cout = i === 4 ? sc : c;
    x = conv1d(g, w, `frame_${i + 1}.conv`, x, cin, cout, k, { dilation: d, pad: 0 });
    x = batchNorm(g, w, `frame_${i + 1}.bn`, relu(g, x), cout);
    cin = cout;
  });
  const pooled = statsPool(g, x);
  g.output(linear(g, w, "seg_1", pooled, 2 * sc, emb), "embs", ["B", emb]);
  const metadata = wespeakerMetadata(emb, `x-vector TDNN c=${c} stats=${sc}`, seed);
  return wespeakerModel(g, emb, metadata);
}
