/**
 * A separate process for the speaker-store tests (tests/speakers_store_test.ts): real processes
 * enrolling at once, holding the embedded store's lock, or dying by SIGKILL in the middle of an
 * enrollment transaction. Embeddings are synthetic and seeded (see {@link syntheticItems}).
 *
 *   deno run -A tests/speakers_child.ts enroll DB NAME COUNT SEED [crash|slow]
 *   deno run -A tests/speakers_child.ts hold DB MS
 * @module
 */
import { type EnrollItem, type ModelId, openSpeakerStore } from "../core/speakers/mod.ts";
import { Rng } from "../core/random.ts";

/** The model every synthetic test row claims to come from. */
export const TEST_MODEL: ModelId = {
  sha256: "a".repeat(64),
  frontend: '{"sampleRate":16000,"test":true}',
  dim: 8,
  backbone: "synthetic-test",
};

/** `count` seeded utterance embeddings around a speaker direction derived from `seed`. */
export function syntheticItems(seed: number, count: number, dim = TEST_MODEL.dim, tag = ""): EnrollItem[] {
  const rng = new Rng(seed);
  const centre = Float32Array.from({ length: dim }, () => rng.normal());
  return Array.from({ length: count }, (_, i) => ({
    audioSha256: `${tag}${seed}-${i}`.padEnd(64, "0"),
    source: `synthetic/${seed}/${i}${tag}.wav`,
    seconds: 1 + i,
    embedding: centre.map((c) => c + 0.3 * rng.normal()),
  }));
}

if (import.meta.main) {
  const [mode, db, ...rest] = Deno.args;
  if (mode === "enroll") {
    const [name, count, seed, crash] = rest;
    const store = await openSpeakerStore(db);
    console.log("ready");
    const items = syntheticItems(Number(seed), Number(count), TEST_MODEL.dim, name);
    const r = await store.enroll(name, TEST_MODEL, items, {
      onStored: crash === "crash"
        ? async () => {
          console.log("stored");
          await new Promise((r) => setTimeout(r, 50));
          Deno.kill(Deno.pid, "SIGKILL");
          await new Promise((r) => setTimeout(r, 10_000));
        }
        : crash === "slow"
        ? () => new Promise((r) => setTimeout(r, 1000)) // hold the transaction open: others must wait, not overwrite
        : undefined,
    });
    console.log(JSON.stringify(r));
    await store.close();
  } else if (mode === "hold") {
    const store = await openSpeakerStore(db);
    console.log("ready");
    await new Promise((r) => setTimeout(r, Number(rest[0])));
    await store.close();
  } else {
    console.error("usage: speakers_child.ts enroll DB NAME COUNT SEED [crash|slow] | hold DB MS");
    Deno.exit(2);
  }
}
