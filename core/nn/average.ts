/**
 * Checkpoint averaging (WeSpeaker `wespeaker/bin/average_model.py`, Kaldi's nnet3-average): the model
 * used for inference is the element-wise mean of the weights after each of the last k epochs, every
 * state-dict entry (parameters and batch-norm running statistics) averaged alike. The snapshots are
 * written into a folder (the training stage's partial folder), so a run killed and resumed averages
 * exactly the same k snapshots as an uninterrupted one.
 * @module
 */
import { join } from "../paths.ts";
import { encodeCheckpoint, loadCheckpoint } from "./checkpoint.ts";
import type { StateDict } from "./module.ts";

/** The element-wise mean of state dicts with the same keys and shapes (summed in float64). */
export function averageStates(states: readonly StateDict[]): StateDict {
  if (!states.length) throw new RangeError("averageStates: give at least one state dict");
  const out: StateDict = {};
  for (const [k, e] of Object.entries(states[0])) {
    const acc = new Float64Array(e.data.length);
    for (const s of states) {
      const t = s[k];
      if (!t || t.data.length !== acc.length) {
        throw new RangeError(`averageStates: '${k}' is missing or has another shape in one of the states`);
      }
      for (let i = 0; i < acc.length; i++) acc[i] += t.data[i];
    }
    out[k] = { shape: [...e.shape], data: Float32Array.from(acc, (v) => v / states.length) };
  }
  return out;
}

/**
 * Keeps the weights after each of the last `last` epochs in `dir` (in memory when no folder is given)
 * and averages them at the end.
 */
export class SnapshotAverager {
  readonly #mem = new Map<number, StateDict>();
  constructor(readonly dir: string | undefined, readonly epochs: number, readonly last: number) {
    if (!(Number.isInteger(last) && last >= 1)) {
      throw new RangeError(`average: last must be >= 1, got ${last}`);
    }
  }
  /** Whether the weights after `epoch` (1-based) are among those averaged. */
  wants(epoch: number): boolean {
    return epoch > this.epochs - this.last && epoch >= 1 && epoch <= this.epochs;
  }
  /**
   * Saves the weights after `epoch` (synchronously, as the trainer asks for an epoch's batches; written
   * to a temporary name and renamed, and idempotent: a resumed run writes the same file again).
   */
  save(epoch: number, state: () => StateDict): void {
    if (!this.wants(epoch) || epoch === this.epochs) return;
    if (!this.dir) return void this.#mem.set(epoch, state());
    const path = this.#path(epoch), tmp = `${path}.tmp`;
    Deno.mkdirSync(this.dir, { recursive: true });
    Deno.writeFileSync(tmp, encodeCheckpoint({ model: state(), meta: { epoch } }));
    Deno.renameSync(tmp, path);
  }
  /** The mean of the saved snapshots (the final state stands in for the last epoch's). */
  async average(final: StateDict): Promise<{ state: StateDict; epochs: number[] }> {
    const epochs: number[] = [], states: StateDict[] = [];
    for (let e = Math.max(1, this.epochs - this.last + 1); e <= this.epochs; e++) {
      epochs.push(e);
      const kept = this.#mem.get(e);
      states.push(e === this.epochs ? final : kept ?? (await loadCheckpoint(this.#path(e))).model);
    }
    return { state: states.length === 1 ? final : averageStates(states), epochs };
  }
  #path(epoch: number): string {
    return join(this.dir!, `epoch-${epoch}.ekck`);
  }
}
