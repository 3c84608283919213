/**
 * Neural-network building blocks on the autodiff tape: layers, pooling, attention, TDNN and
 * conformer-lite encoders, optimisers, schedules, checkpoints and a trainer loop.
 * @module
 */
export * from "./module.ts";
export * from "./rng.ts";
export * from "./layers.ts";
export * from "./pooling.ts";
export * from "./attention.ts";
export * from "./tdnn.ts";
export * from "./conv2d_layers.ts";
export * from "./resnet.ts";
export * from "./ecapa.ts";
export * from "./functional.ts";
export * from "./optim.ts";
export * from "./schedule.ts";
export * from "./checkpoint.ts";
export * from "./trainer.ts";
