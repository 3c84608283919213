/**
 * A small training loop: epochs of batches, optional LR schedule and gradient clipping, a progress
 * bar on stderr (loss and samples/s), early stopping with patience, and checkpoints that resume
 * exactly (model, optimiser, RNG states, counters).
 * @module
 */
import type { Tensor } from "../autodiff/tensor.ts";
import { Progress } from "../progress.ts";
import type { Module } from "./module.ts";
import { clipGradNorm, type Optimizer } from "./optim.ts";
import type { StatefulRng } from "./rng.ts";
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";

/** Options of {@link Trainer}. */
export interface TrainerConfig {
  epochs: number;
  /** Stop after this many epochs without improvement of the monitored value (0 = never). */
  patience: number;
  /** Smallest decrease that counts as an improvement. */
  minDelta: number;
  /** Global gradient-norm clip (0 = off). */
  clipNorm: number;
  /** Progress-bar label. */
  label: string;
  /** Force the progress bar on/off (default: on when stderr is a terminal or EMBEDKIT_PROGRESS=1). */
  progress?: boolean;
  /** Write a checkpoint here after every epoch. */
  checkpointPath?: string;
}

/** What one training step reports. */
export interface StepResult {
  loss: Tensor;
  /** Samples in the batch (for throughput). */
  samples: number;
}

/** The model-specific parts of a training run. */
export interface TrainerParts<B> {
  /** The module(s) trained, saved and switched between train/eval mode. */
  model: Module;
  optimizer: Optimizer;
  /** lr(step); applied before each optimiser step. */
  schedule?: (step: number) => number;
  /** Other trainable tensors saved with the model, e.g. a loss's class weights ("loss.weight"). */
  tensors?: Record<string, Tensor>;
  /** Generators whose state is checkpointed (data shuffling, dropout...). */
  rngs?: Record<string, StatefulRng>;
  /** The batches of an epoch (may shuffle with a checkpointed rng). */
  batches(epoch: number): Iterable<B>;
  /** Builds the loss of one batch (the trainer runs backward and the update). */
  step(batch: B): StepResult;
  /** Validation value, lower is better; defaults to the epoch's mean training loss. */
  validate?(): number;
}

/** Per-epoch log line. */
export interface EpochLog {
  epoch: number;
  trainLoss: number;
  monitor: number;
  samplesPerSec: number;
  lr: number;
}

/** Result of {@link Trainer.fit}. */
export interface TrainReport {
  history: EpochLog[];
  bestEpoch: number;
  best: number;
  stoppedEarly: boolean;
}

/** Runs epochs until `epochs` or early stopping; resumable from its checkpoints. */
export class Trainer<B> {
  epoch = 0;
  globalStep = 0;
  best = Infinity;
  bestEpoch = -1;
  badEpochs = 0;
  history: EpochLog[] = [];
  stoppedEarly = false;

  constructor(readonly cfg: TrainerConfig, readonly parts: TrainerParts<B>) {
    if (!(Number.isInteger(cfg.epochs) && cfg.epochs > 0)) {
      throw new RangeError(`Trainer: epochs must be a positive integer, got ${cfg.epochs}`);
    }
  }

  /** Trains until `cfg.epochs` (or `untilEpoch`, for staged runs) or early stop. */
  async fit(untilEpoch = this.cfg.epochs): Promise<TrainReport> {
    const { model, optimizer } = this.parts;
    while (this.epoch < Math.min(untilEpoch, this.cfg.epochs) && !this.stoppedEarly) {
      model.train(true);
      const batches = [...this.parts.batches(this.epoch)];
      const bar = new Progress(
        `${this.cfg.label} epoch ${this.epoch + 1}/${this.cfg.epochs}`,
        batches.length,
        {
          enabled: this.cfg.progress,
        },
      );
      const t0 = performance.now();
      let lossSum = 0, samples = 0;
      for (const b of batches) {
        if (this.parts.schedule) optimizer.lr = this.parts.schedule(this.globalStep);
        optimizer.zeroGrad();
        const r = this.parts.step(b);
        const lv = r.loss.item();
        if (!Number.isFinite(lv)) {
          throw new RangeError(
            `${this.cfg.label}: loss became ${lv} at epoch ${
              this.epoch + 1
            }, step ${this.globalStep}; lower the learning rate or enable clipNorm`,
          );
        }
        r.loss.backward();
        if (this.cfg.clipNorm > 0) clipGradNorm(optimizer.params, this.cfg.clipNorm);
        optimizer.step();
        this.globalStep++;
        lossSum += lv * r.samples;
        samples += r.samples;
        const rate = samples / ((performance.now() - t0) / 1000);
        bar.tick(1, `loss ${lv.toFixed(4)} ${rate.toFixed(0)} samples/s`);
      }
      const secs = (performance.now() - t0) / 1000;
      const trainLoss = lossSum / Math.max(1, samples);
      model.train(false);
      const monitor = this.parts.validate ? this.parts.validate() : trainLoss;
      const log = {
        epoch: this.epoch + 1,
        trainLoss,
        monitor,
        samplesPerSec: samples / secs,
        lr: optimizer.lr,
      };
      this.history.push(log);
      bar.done(`loss ${trainLoss.toFixed(4)} monitor ${monitor.toFixed(4)}`);
      if (monitor < this.best - this.cfg.minDelta) {
        this.best = monitor;
        this.bestEpoch = this.epoch + 1;
        this.badEpochs = 0;
      } else if (this.cfg.patience > 0 && ++this.badEpochs >= this.cfg.patience) {
        this.stoppedEarly = true;
      }
      this.epoch++;
      if (this.cfg.checkpointPath) await saveCheckpoint(this.cfg.checkpointPath, this.checkpoint());
    }
    return {
      history: this.history,
      bestEpoch: this.bestEpoch,
      best: this.best,
      stoppedEarly: this.stoppedEarly,
    };
  }

  /** Everything needed to resume exactly. */
  checkpoint(): Checkpoint {
    return {
      model: {
        ...this.parts.model.stateDict(),
        ...Object.fromEntries(
          Object.entries(this.parts.tensors ?? {}).map((
            [k, t],
          ) => [k, { shape: [...t.shape], data: Float32Array.from(t.data) }]),
        ),
      },
      optimizer: this.parts.optimizer.state(),
      rng: Object.fromEntries(Object.entries(this.parts.rngs ?? {}).map(([k, r]) => [k, r.getState()])),
      meta: {
        epoch: this.epoch,
        globalStep: this.globalStep,
        best: Number.isFinite(this.best) ? this.best : null,
        bestEpoch: this.bestEpoch,
        badEpochs: this.badEpochs,
        stoppedEarly: this.stoppedEarly,
        history: this.history,
      },
    };
  }

  /** Restores a checkpoint from {@link checkpoint} (or a path to one). */
  async resume(ck: Checkpoint | string): Promise<void> {
    const c = typeof ck === "string" ? await loadCheckpoint(ck) : ck;
    this.parts.model.loadStateDict(c.model);
    for (const [k, t] of Object.entries(this.parts.tensors ?? {})) {
      const e = c.model[k];
      if (!e || e.data.length !== t.size) {
        throw new RangeError(`resume: checkpoint lacks tensor '${k}' of ${t.size} values`);
      }
      t.data.set(e.data);
    }
    if (c.optimizer) this.parts.optimizer.loadState(c.optimizer);
    for (const [k, r] of Object.entries(this.parts.rngs ?? {})) {
      const st = c.rng?.[k];
      if (!st) throw new RangeError(`resume: checkpoint has no state for rng '${k}'`);
      r.setState(st);
    }
    const m = c.meta ?? {};
    this.epoch = Number(m.epoch ?? 0);
    this.globalStep = Number(m.globalStep ?? 0);
    this.best = m.best === null || m.best === undefined ? Infinity : Number(m.best);
    this.bestEpoch = Number(m.bestEpoch ?? -1);
    this.badEpochs = Number(m.badEpochs ?? 0);
    this.stoppedEarly = Boolean(m.stoppedEarly);
    this.history = (m.history as EpochLog[]) ?? [];
  }
}
