/**
 * What the loss plugins share, declared once: the options of the losses that own class weights (`dim`,
 * `numClasses`, `seed`), the options and cosine head of the additive cosine-margin family (CosFace,
 * ArcFace, Real AM-Softmax), and the checks of paired inputs (`embeddings` with their `positives`).
 * Not a plugin itself: plugins/losses/mod.ts does not list it.
 * @module
 */
import { opt, type OptionDecl } from "../../core/options.ts";
import type { Loss, LossInput } from "../../core/contracts/mod.ts";
import type { Tensor } from "../../core/autodiff/mod.ts";
import { cosineClassifier, type CosineMarginConfig, embeddings2d } from "../../core/nn/loss_helpers.ts";

/** `dim`: the embedding width D of a loss that owns weights over it. */
export const DIM_OPTION: OptionDecl<number> = opt.integer(192, "embedding dimension D", { min: 1 });

/** `numClasses`: the class count C of a classification loss. */
export const NUM_CLASSES_OPTION: OptionDecl<number> = opt.integer(2, "number of classes C", { min: 2 });

/** `weight`: a multiplier of the loss. */
export const WEIGHT_OPTION: OptionDecl<number> = opt.number(1, "multiplier of the loss", { min: 0 });

/** `seed`: the seed of `what` (a loss's weight initialisation, its noise). */
export function seedOption(what: string): OptionDecl<number> {
  return opt.integer(0, `seed of ${what}`, { min: 0 });
}

/** The options of an additive cosine-margin loss; its margin lies in [0, maxMargin]. */
export function cosineMarginOptions(maxMargin: number, marginHelp: string): {
  dim: OptionDecl<number>;
  numClasses: OptionDecl<number>;
  scale: OptionDecl<number>;
  margin: OptionDecl<number>;
  seed: OptionDecl<number>;
} {
  return {
    dim: DIM_OPTION,
    numClasses: NUM_CLASSES_OPTION,
    scale: opt.number(32, "scale s of the cosine logits", { gt: 0 }),
    margin: opt.number(0.2, marginHelp, { min: 0, max: maxMargin }),
    seed: seedOption("the weight initialisation"),
  };
}

/**
 * A cosine-margin loss: its parameter is the cosine classifier's class weights [C, D]; per batch,
 * `loss(cos, labels)` turns cos θ [B, C] and the checked labels into the scalar loss.
 */
export function cosineHeadLoss(
  c: CosineMarginConfig,
  name: string,
  loss: (cos: Tensor, labels: Int32Array) => Tensor,
): Loss {
  const head = cosineClassifier(c, name);
  return {
    parameters: () => [head.weight],
    forward(input) {
      const { cos, labels } = head.cosines(input);
      return loss(cos, labels);
    },
  };
}

/** A loss without trainable parameters. */
export function statelessLoss(forward: (input: LossInput) => Tensor): Loss {
  return { parameters: () => [], forward };
}

/**
 * The [B, D] `embeddings` and the [B, D] `positives` paired with them, checked: positives present (else
 * an error saying what they should hold), the same width and the same count.
 */
export function pairedEmbeddings(
  input: LossInput,
  loss: string,
  positivesAre: string,
  names: readonly [string, string] = ["embeddings", "positives"],
): [Tensor, Tensor] {
  const a = embeddings2d(input.embeddings, undefined, loss);
  if (!input.positives) throw new RangeError(`${loss}: needs 'positives' (${positivesAre})`);
  const b = embeddings2d(input.positives, a.shape[1], loss, "positives");
  if (b.shape[0] !== a.shape[0]) {
    throw new RangeError(`${loss}: ${a.shape[0]} ${names[0]} but ${b.shape[0]} ${names[1]}`);
  }
  return [a, b];
}
