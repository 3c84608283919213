/**
 * The speaker store on both back ends (embedded PGlite dir; PostgreSQL 15 + pgvector started by
 * tests/pg_server.ts, skipped visibly without PostgreSQL): what enrollment keeps, the model vector
 * against the definition computed here in float64, search against brute-force cosine, model/dimension
 * mismatches, unknown speakers, roles, migrations, export.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "./assert.ts";
import { needsPg, type PgServer } from "./pg_server.ts";
import { syntheticItems, TEST_MODEL } from "./speakers_child.ts";
import { openSpeakerStore, type SpeakerStore, StoreError } from "../core/speakers/mod.ts";
import { exportStore } from "../cli/commands/speakers_export.ts";
import { Rng } from "../core/random.ts";

const pg = await needsPg("speaker store (server)");
let dbCount = 0;

/** A fresh store of each kind per test. */
const KINDS: { label: string; ignore: boolean; fresh(): Promise<{ db: string; done(): Promise<void> }> }[] = [
  {
    label: "pglite",
    ignore: false,
    async fresh() {
      const dir = await Deno.makeTempDir({ prefix: "embedkit-spk-" });
      return { db: `${dir}/store`, done: () => Deno.remove(dir, { recursive: true }) };
    },
  },
  {
    label: "postgres",
    ignore: pg.ignore,
    async fresh() {
      const db = await (pg.server as PgServer).database(`store_${Deno.pid}_${dbCount++}`);
      return { db, done: async () => {} };
    },
  },
];

function storeTest(name: string, fn: (s: SpeakerStore, db: string) => Promise<void>) {
  for (const k of KINDS) {
    Deno.test({
      name: `speakers store (${k.label}): ${name}${k.ignore ? ` (SKIPPED: ${pg.name})` : ""}`,
      ignore: k.ignore,
      async fn() {
        const { db, done } = await k.fresh();
        const s = await openSpeakerStore(db);
        try {
          await fn(s, db);
        } finally {
          await s.close();
          await done();
        }
      },
    });
  }
}

/** The documented model vector, computed independently in float64: mean of x / ||x||. */
function expectedModel(rows: Float32Array[]): Float64Array {
  const m = new Float64Array(rows[0].length);
  for (const r of rows) {
    const n = Math.hypot(...r);
    r.forEach((x, j) => (m[j] += x / n / rows.length));
  }
  return m;
}

function cos(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) (ab += a[i] * b[i]), (aa += a[i] * a[i]), (bb += b[i] * b[i]);
  return ab / Math.sqrt(aa * bb);
}

storeTest(
  "enroll keeps every utterance; model = mean of L2-normalised embeddings; re-enroll appends",
  async (s) => {
    const first = syntheticItems(1, 3, 8, "a");
    const r1 = await s.enroll("alice", TEST_MODEL, first);
    assertEquals(r1, { name: "alice", role: "enrolled", added: 3, duplicates: 0, utterances: 3 });
    const more = [...syntheticItems(2, 2, 8, "b"), first[0]]; // first[0] is a duplicate audio
    const r2 = await s.enroll("alice", TEST_MODEL, more);
    assertEquals([r2.added, r2.duplicates, r2.utterances], [2, 1, 5]);
    const kept = await s.utterances("alice");
    assertEquals(kept.length, 5);
    const all = [...first, ...more.slice(0, 2)];
    for (let i = 0; i < 5; i++) {
      assertEquals([...kept[i].embedding], [...all[i].embedding], "float32 round trip is exact");
      assertEquals(kept[i].audioSha256, all[i].audioSha256);
    }
    const want = expectedModel(all.map((a) => a.embedding));
    const got = (await s.speaker("alice")).model;
    for (let j = 0; j < 8; j++) assertAlmostEquals(got[j], want[j], 1e-6);
    assertEquals((await s.list()).map((x) => [x.name, x.utterances]), [["alice", 5]]);
  },
);

storeTest("search: exact equals brute-force cosine; HNSW recall@5 >= 0.95 on 400 speakers", async (s) => {
  const speakers = Array.from(
    { length: 400 },
    (_, i) => ({ name: `spk${i}`, items: syntheticItems(100 + i, 2, 8) }),
  );
  await s.enrollMany(TEST_MODEL, speakers);
  const models = speakers.map((sp) => expectedModel(sp.items.map((x) => x.embedding)));
  const rng = new Rng(7);
  let hits = 0;
  for (let q = 0; q < 20; q++) {
    const query = Float32Array.from({ length: 8 }, () => rng.normal());
    const truth = models.map((m, i) => ({ i, c: cos(m, query) })).sort((a, b) => b.c - a.c).slice(0, 5);
    const exact = await s.search(TEST_MODEL, query, 5, { exact: true });
    assertEquals(exact.map((m) => m.name), truth.map((t) => `spk${t.i}`));
    exact.forEach((m, k) => assertAlmostEquals(m.score, truth[k].c, 1e-6));
    const ann = await s.search(TEST_MODEL, query, 5);
    hits += ann.filter((m) => truth.some((t) => `spk${t.i}` === m.name)).length;
  }
  assert(hits / 100 >= 0.95, `HNSW recall@5 ${hits / 100}`);
});

storeTest(
  "a different model, front end or dimension is refused with the store's backbone named",
  async (s) => {
    await assertRejects(() => s.search(TEST_MODEL, new Float32Array(8), 1), StoreError, "the store is empty");
    await s.enroll("alice", TEST_MODEL, syntheticItems(1, 2));
    const other = { ...TEST_MODEL, sha256: "b".repeat(64), backbone: "other" };
    const e = await assertRejects(
      () => s.enroll("bob", other, syntheticItems(2, 2)),
      StoreError,
      "refusing to enroll",
    );
    assert(
      e.message.includes("--backbone 'synthetic-test'") && e.message.includes("model (sha256 bbbbbbbbbbbb…)"),
      e.message,
    );
    await assertRejects(
      () => s.search({ ...TEST_MODEL, frontend: '{"sampleRate":8000}' }, new Float32Array(8), 1),
      StoreError,
      "front end",
    );
    const bad = syntheticItems(3, 1, 7);
    await assertRejects(() => s.enroll("carol", TEST_MODEL, bad), StoreError, "wrong dimension");
    await assertRejects(
      () => s.search(TEST_MODEL, new Float32Array(7), 1),
      StoreError,
      "query embedding has 7 values",
    );
    assertEquals((await s.list()).map((x) => x.name), ["alice"], "nothing of the refused enrollments landed");
  },
);

storeTest("unknown speaker, empty enrollment and bad names name the fix", async (s) => {
  await s.enroll("alice", TEST_MODEL, syntheticItems(1, 2));
  const e = await assertRejects(() => s.speaker("nobody"), StoreError, 'unknown speaker "nobody"');
  assert(e.message.includes("speakers list") && e.message.includes("speakers enroll"), e.message);
  await assertRejects(() => s.remove("nobody"), StoreError, "unknown speaker");
  await assertRejects(() => s.enroll("bob", TEST_MODEL, []), StoreError, "no utterances to enroll");
  await assertRejects(() => s.enroll(" bob", TEST_MODEL, syntheticItems(2, 1)), StoreError, "not allowed");
  assertEquals((await s.remove("alice")).utterances, 2);
  assertEquals(await s.counts(), { enrolled: 0, cohort: 0, utterances: 0 }, "utterances go with the speaker");
});

storeTest("cohort speakers feed normalisation but are never identified; roles do not mix", async (s) => {
  await s.enroll("alice", TEST_MODEL, syntheticItems(1, 2));
  const items = syntheticItems(2, 3);
  await s.enroll("imp", TEST_MODEL, items, { role: "cohort" });
  const hits = await s.search(TEST_MODEL, items[0].embedding, 5, { exact: true });
  assertEquals(hits.map((h) => h.name), ["alice"]);
  assertEquals((await s.embeddingsOf("cohort")).rows.length, 3);
  await assertRejects(
    () => s.enroll("imp", TEST_MODEL, syntheticItems(3, 1)),
    StoreError,
    "as a cohort speaker",
  );
});

storeTest(
  "migrations apply once; export writes the store line then one JSON line per speaker",
  async (s, db) => {
    assertEquals(await s.migrate(), [], "already migrated by open");
    const v = await s.conn.query("SELECT version FROM embedkit_migrations");
    assertEquals(v.map((r) => Number(r.version)), [1]);
    const weird = 'Zoë "the voice" \\ O\'Brien';
    await s.enroll(weird, TEST_MODEL, syntheticItems(4, 2));
    await s.enroll("bob", TEST_MODEL, syntheticItems(5, 1));
    await s.close();
    const again = await openSpeakerStore(db); // reopen: nothing to migrate, data still there
    try {
      assertEquals(await again.migrate(), []);
      const lines: string[] = [];
      await exportStore(again, { embeddings: true }, (l) => void lines.push(l));
      assertEquals(lines.length, 3);
      const head = JSON.parse(lines[0]);
      assertEquals([head.schemaVersion, head.model.sha256, head.counts.utterances], [
        1,
        TEST_MODEL.sha256,
        3,
      ]);
      const rows = lines.slice(1).map((l) => JSON.parse(l));
      assertEquals(rows.map((r) => r.name).sort(), ["bob", weird].sort());
      const z = rows.find((r) => r.name === weird);
      assertEquals(z.embeddings.length, 2);
      assertEquals(z.embeddings[0].embedding, [...syntheticItems(4, 2)[0].embedding]);
    } finally {
      await again.close();
    }
  },
);

Deno.test({
  name: "speakers store: stop the test server",
  ignore: pg.ignore,
  sanitizeResources: false,
  async fn() {
    await pg.server?.stop();
  },
});
