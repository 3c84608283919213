/**
 * Two-covariance PLDA back-end: train on labelled embeddings (EM from moment estimates or, as Kaldi and
 * WeSpeaker do, from identity matrices; only speakers with `minUtterances` or more utterances train it,
 * the others are dropped and counted in state()), or load pyannote's
 * `xvec_transform.npz` + `plda.npz` (folder in `pyannote`) or a Kaldi PLDA (`kaldi`, binary or text,
 * e.g. VBx's ResNet101 model). transform() maps to the PLDA space (within-class covariance I,
 * between-class diag(psi)); score(enroll, test) gives the log-likelihood ratio of every pair,
 * row-major [enroll.rows x test.rows], from raw embeddings.
 * @module
 */
import type { Adapter, AdapterData } from "../../core/contracts/mod.ts";
import type { Matrix } from "../../core/matrix.ts";
import { definePlugin, opt } from "../../core/plugin.ts";
import { ConfigError } from "../../core/errors.ts";
import { readKaldiPlda } from "../../core/io/kaldi_plda.ts";
import {
  applyXvecTransform,
  loadPyannotePlda,
  pldaFromKaldi,
  pldaLlrMatrix,
  pldaProject,
  speakersWithAtLeast,
  trainTwoCovPlda,
  type TwoCovPlda,
  type XvecTransform,
} from "../../core/scoring/plda.ts";

/** A PLDA adapter instance: also exposes the model for pipelines (VBx needs psi). */
export interface PldaAdapter extends Adapter {
  model(): { plda: TwoCovPlda; xvec?: XvecTransform; dims: number } | undefined;
}

/** `plda` adapter plugin. */
export const pldaAdapter = definePlugin({
  kind: "adapter",
  name: "plda",
  description:
    "two-covariance PLDA: train, or load pyannote plda.npz/xvec_transform.npz or a Kaldi PLDA; llr scoring",
  module: import.meta.url,
  options: {
    dim: opt.integer(
      0,
      "PLDA dimensions kept for transform/score (0 = all; pyannote's VBx uses the LDA dim)",
      {
        min: 0,
      },
    ),
    iterations: opt.integer(10, "EM iterations after the start when training (0 = moments only)", {
      min: 0,
      max: 1000,
    }),
    init: opt.oneOf(
      ["moments", "identity"] as const,
      "moments",
      "EM start: moments (W, B from class statistics) or identity (W = B = I, as Kaldi and WeSpeaker)",
    ),
    minUtterances: opt.integer(
      2,
      "train only on speakers with at least this many utterances (others dropped)",
      {
        min: 2,
      },
    ),
    regularization: opt.number(0, "added to the within-class covariance diagonal when training", { min: 0 }),
    pyannote: opt.string(
      "",
      "folder holding pyannote's xvec_transform.npz and plda.npz (loads instead of training)",
    ),
    kaldi: opt.string("", "path of a Kaldi PLDA file, binary or text (loads instead of training)"),
  },
  validate(c) {
    if (c.init === "identity" && c.iterations < 1) {
      throw new ConfigError("adapter 'plda'", "init 'identity' needs iterations >= 1, got 0");
    }
    if (c.pyannote && c.kaldi) {
      throw new ConfigError("adapter 'plda'", "give either 'pyannote' or 'kaldi', not both");
    }
  },
  async create(c): Promise<PldaAdapter> {
    let plda: TwoCovPlda | undefined, xvec: XvecTransform | undefined;
    let source = "trained";
    let speakers: { used: number; dropped: number } | undefined;
    if (c.pyannote) {
      ({ plda, xvec } = await loadPyannotePlda(c.pyannote));
      source = `pyannote:${c.pyannote}`;
    } else if (c.kaldi) {
      plda = pldaFromKaldi(await readKaldiPlda(c.kaldi));
      source = `kaldi:${c.kaldi}`;
    }
    const dims = () => (c.dim > 0 ? Math.min(c.dim, plda!.dim) : plda!.dim);
    const project = (x: Matrix) => {
      if (!plda) {
        throw new RangeError("plda: call fit() with labelled embeddings (or load a model) before use");
      }
      return pldaProject(plda, xvec ? applyXvecTransform(xvec, x) : x, dims());
    };
    return {
      fit(data: AdapterData) {
        if (source !== "trained") return; // a loaded model is used as is
        if (!data.labels) throw new RangeError("plda: needs speaker labels (AdapterData.labels) to fit");
        const kept = speakersWithAtLeast(data.x, data.labels, c.minUtterances);
        if (kept.kept < 2) {
          throw new RangeError(
            `plda: needs at least 2 speakers with >= ${c.minUtterances} utterances each (the two-covariance ` +
              `model learns within-speaker variability from repeated speakers); got ${kept.kept}, ` +
              `${kept.dropped} speakers with fewer were dropped`,
          );
        }
        speakers = { used: kept.kept, dropped: kept.dropped };
        plda = trainTwoCovPlda(kept.x, kept.labels, c.regularization, "plda", c.iterations, { init: c.init });
      },
      transform: project,
      score(enroll: Matrix, test: Matrix) {
        return pldaLlrMatrix(project(enroll), project(test), plda!.psi);
      },
      model: () => (plda ? { plda, xvec, dims: dims() } : undefined),
      state: () => (plda
        ? {
          source,
          dim: plda.dim,
          dims: dims(),
          psi: Array.from(plda.psi.subarray(0, dims())),
          ...(speakers ? { init: c.init, speakers } : {}),
        }
        : { source }),
    };
  },
});
