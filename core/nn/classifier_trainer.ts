/**
 * The one training set-up embedkit's classifiers share (heads on fixed embeddings, speaker networks on
 * features): Adam over the model's and the loss's parameters, linear warm-up then cosine decay to a
 * floor, gradient-norm clipping, and a {@link Trainer} whose checkpoints hold the model, the loss's own
 * weights (AAM class centres), the optimiser and every generator, so a resumed run is exact.
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import type { Loss } from "../contracts/loss.ts";
import type { SnapshotAverager } from "./average.ts";
import type { Module } from "./module.ts";
import { Adam } from "./optim.ts";
import type { StatefulRng } from "./rng.ts";
import { lrSchedule } from "./schedule.ts";
import { type StepResult, Trainer } from "./trainer.ts";

/** What {@link classifierTrainer} needs. */
export interface ClassifierTraining<B> {
  /** The network trained. */
  readonly model: Module;
  /** The loss (its parameters are trained and checkpointed too). */
  readonly loss: Loss;
  readonly epochs: number;
  /** Peak learning rate. */
  readonly lr: number;
  /** Warm-up steps (capped below the total). */
  readonly warmupSteps: number;
  /** Final learning rate as a fraction of the peak. */
  readonly minLrFactor: number;
  /** Global gradient-norm clip. */
  readonly clipNorm: number;
  /** Progress label. */
  readonly label: string;
  /** Generators whose state is checkpointed (shuffling, crops, init, dropout). */
  readonly rngs: Record<string, StatefulRng>;
  /** Batches of one epoch (the same count every epoch). */
  batches(epoch: number): B[];
  /** Steps per epoch (for the schedule). */
  readonly stepsPerEpoch: number;
  /** The loss of one batch. */
  step(batch: B): StepResult;
  /** Keeps the last epochs' weights for checkpoint averaging (saved when the next epoch starts). */
  readonly averager?: SnapshotAverager;
}

/** Builds the trainer (call `resume(checkpoint)` before `fit()` to continue a killed run). */
export function classifierTrainer<B>(o: ClassifierTraining<B>): Trainer<B> {
  const lossParams = o.loss.parameters();
  const steps = o.stepsPerEpoch * o.epochs;
  const tensors: Record<string, Tensor> = Object.fromEntries(lossParams.map((t, i) => [`loss.${i}`, t]));
  return new Trainer<B>({
    epochs: o.epochs,
    patience: 0,
    minDelta: 0,
    clipNorm: o.clipNorm,
    label: o.label,
  }, {
    model: o.model,
    optimizer: new Adam([...o.model.parameters(), ...lossParams], { lr: o.lr }),
    schedule: lrSchedule({
      base: o.lr,
      warmupSteps: Math.min(o.warmupSteps, steps - 1),
      decay: "cosine",
      totalSteps: steps,
      minLr: o.lr * o.minLrFactor,
    }),
    tensors,
    rngs: o.rngs,
    batches: (e) => {
      // the weights after epoch e are final when epoch e + 1 asks for its batches (also after a resume)
      if (o.averager && e > 0) o.averager.save(e, () => o.model.stateDict());
      return o.batches(e);
    },
    step: (b) => o.step(b),
  });
}
