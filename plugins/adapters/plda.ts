/**
 * Two-covariance PLDA back-end: train on labelled embeddings, or load pyannote's
 * `xvec_transform.npz` + `plda.npz` (folder in `pyannote`) or a Kaldi PLDA (`kaldi`, binary or text,
 * e.g. VBx's ResNet101 model). transform() maps to the PLDA space (within-class covariance I,
 * between-class diag(psi)); score(enroll, test) gives the log-likelihood ratio of every pair,
 * row-major [enroll.rows x test.rows], from raw embeddings.
 * @module
 */
import type { Adapter, AdapterData, AdapterPlugin } from "../../core/contracts/mod.ts";
import type { Matrix } from "../../core/matrix.ts";
import { check } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { readKaldiPlda } from "../../core/io/kaldi_plda.ts";
import {
  applyXvecTransform,
  loadPyannotePlda,
  pldaFromKaldi,
  pldaLlrMatrix,
  pldaProject,
  trainTwoCovPlda,
  type TwoCovPlda,
  type XvecTransform,
} from "../../core/scoring/plda.ts";

/** Options of `plda`. */
export interface PldaConfig {
  dim: number;
  iterations: number;
  regularization: number;
  pyannote: string;
  kaldi: string;
}

/** A PLDA adapter instance: also exposes the model for pipelines (VBx needs psi). */
export interface PldaAdapter extends Adapter {
  model(): { plda: TwoCovPlda; xvec?: XvecTransform; dims: number } | undefined;
}

/** `plda` adapter plugin. */
export const pldaAdapter: AdapterPlugin<PldaConfig> = {
  kind: "adapter",
  name: "plda",
  description:
    "two-covariance PLDA: train, or load pyannote plda.npz/xvec_transform.npz or a Kaldi PLDA; llr scoring",
  defaults: { dim: 0, iterations: 10, regularization: 0, pyannote: "", kaldi: "" },
  options: {
    dim: "PLDA dimensions kept for transform/score (0 = all; pyannote's VBx uses the LDA dim)",
    iterations: "EM iterations after the moment estimate when training (integer >= 0; 0 = moments only)",
    regularization: "added to the within-class covariance diagonal when training (>= 0)",
    pyannote: "folder holding pyannote's xvec_transform.npz and plda.npz (loads instead of training)",
    kaldi: "path of a Kaldi PLDA file, binary or text (loads instead of training)",
  },
  validate(c) {
    check.integer("adapter 'plda'", "dim", c.dim, 0);
    check.integer("adapter 'plda'", "iterations", c.iterations, 0, 1000);
    check.nonNegative("adapter 'plda'", "regularization", c.regularization);
    if (c.pyannote && c.kaldi) {
      throw new ConfigError("adapter 'plda'", "give either 'pyannote' or 'kaldi', not both");
    }
  },
  async create(c): Promise<PldaAdapter> {
    let plda: TwoCovPlda | undefined, xvec: XvecTransform | undefined;
    let source = "trained";
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
        plda = trainTwoCovPlda(data.x, data.labels, c.regularization, "plda", c.iterations);
      },
      transform: project,
      score(enroll: Matrix, test: Matrix) {
        return pldaLlrMatrix(project(enroll), project(test), plda!.psi);
      },
      model: () => (plda ? { plda, xvec, dims: dims() } : undefined),
      state:
        () => (plda
          ? { source, dim: plda.dim, dims: dims(), psi: Array.from(plda.psi.subarray(0, dims())) }
          : { source }),
    };
  },
};
