/**
 * `speakers export`: the store as JSON lines. Line 1 is the store (`{"store": ..., "model": ...,
 * "schemaVersion": ...}`), then one line per speaker by name: `{"name", "role", "utterances",
 * "modelSha256", "model": [...], "embeddings": [{"audioSha256", "source", "seconds", "embedding"}]}`.
 * Speakers are read in pages, so exporting a large store does not hold it in memory.
 * @module
 */
import { SCHEMA_VERSION, type SpeakerStore } from "../../core/speakers/mod.ts";

/** Writes every line through `write`. */
export async function exportStore(
  store: SpeakerStore,
  opts: { embeddings: boolean },
  write: (line: string) => void | Promise<void>,
): Promise<number> {
  await write(JSON.stringify({
    store: store.kind,
    db: store.where,
    schemaVersion: SCHEMA_VERSION,
    model: await store.binding() ?? null,
    counts: await store.counts(),
  }));
  let after = "", n = 0;
  for (;;) {
    const page = await store.list({ after, limit: 500 });
    if (!page.length) break;
    for (const s of page) {
      const full = await store.speaker(s.name);
      const embeddings = opts.embeddings
        ? (await store.utterances(s.name)).map((u) => ({ ...u, embedding: [...u.embedding] }))
        : undefined;
      await write(JSON.stringify({ ...s, model: [...full.model], ...(embeddings ? { embeddings } : {}) }));
      n++;
    }
    after = page[page.length - 1].name;
  }
  return n;
}
