/**
 * Training stages. `trainModel` runs a {@link Trainer} inside a cached stage with a checkpoint after
 * every epoch in the stage's partial folder (named by the stage's cache key): a run killed at epoch k
 * resumes at epoch k+1, and since the checkpoint holds the weights, the loss's weights, the optimiser
 * and every generator (shuffles, crops, init), its final model is byte-identical to an uninterrupted
 * run with the same seed. `exportModel` writes the ONNX file (not cached: it is the deliverable).
 * @module
 */
import { exists, join } from "../../paths.ts";
import type { Trainer, TrainReport } from "../../nn/trainer.ts";
import type { Run } from "./context.ts";
import type { StageContext, StageSpec } from "./runner.ts";

/** What a training stage builds before fitting: the trainer, and how to turn its report into the output. */
export interface TrainingJob<T> {
  /** The trainer (fresh; resumed from the checkpoint here when one exists). */
  readonly trainer: Pick<Trainer<unknown>, "cfg" | "epoch" | "resume" | "fit">;
  /** The stage's output from the finished training. */
  result(report: TrainReport): T | Promise<T>;
}

/** Stage `<name>`: builds a trainer, resumes it from its last epoch checkpoint if any, trains, caches the result. */
export function trainModel<T>(
  run: Run,
  stage: string,
  spec: StageSpec,
  build: (ctx: StageContext) => Promise<TrainingJob<T>>,
): Promise<T> {
  return run.stages.stage(stage, spec, async (ctx) => {
    const job = await build(ctx);
    const ck = ctx.partialDir && join(ctx.partialDir, "checkpoint.ekck");
    if (ck) {
      await Deno.mkdir(ctx.partialDir!, { recursive: true });
      if (await exists(ck)) {
        await job.trainer.resume(ck);
        ctx.log(`resuming from ${ck} after epoch ${job.trainer.epoch}`);
      }
      job.trainer.cfg.checkpointPath = ck;
    }
    return await job.result(await job.trainer.fit());
  });
}
