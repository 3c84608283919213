/**
 * The speaker store's HNSW index on both back ends: half precision (`halfvec`) by default, a float32
 * (`vector`) index as older stores hold still used; either way the search query plans an index scan
 * (EXPLAIN of the exact SQL the store sent), and the scores it returns are the exact float32 cosines
 * (checked against float64 cosines computed here: a half-precision distance is off by ~1e-3).
 */
import { assert, assertAlmostEquals, assertEquals } from "./assert.ts";
import { needsPg, type PgServer } from "./pg_server.ts";
import { syntheticItems, TEST_MODEL } from "./speakers_child.ts";
import { openSpeakerStore, SpeakerStore } from "../core/speakers/mod.ts";
import type { SqlConn, SqlRunner } from "../core/speakers/sql.ts";
import { Rng } from "../core/random.ts";

const pg = await needsPg("speaker index (server)");

/** The connection with every statement sent inside transactions recorded. */
function spy(conn: SqlConn, log: { text: string; params: readonly unknown[] }[]): SqlConn {
  const wrap = (r: SqlRunner): SqlRunner => ({
    query(text, params = []) {
      log.push({ text, params });
      return r.query(text, params);
    },
  });
  return { ...conn, query: conn.query, transaction: (fn) => conn.transaction((tx) => fn(wrap(tx))) };
}

function cos(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + a[i] * b[i], aa + a[i] ** 2, bb + b[i] ** 2];
  return ab / Math.sqrt(aa * bb);
}

async function check(db: string) {
  const opened = await openSpeakerStore(db);
  const log: { text: string; params: readonly unknown[] }[] = [];
  const s = new SpeakerStore(spy(opened.conn, log));
  try {
    const speakers = Array.from(
      { length: 300 },
      (_, i) => ({ name: `s${i}`, items: syntheticItems(i, 2, 8) }),
    );
    await s.enrollMany(TEST_MODEL, speakers);
    const unit = speakers.map((sp) =>
      sp.items.map((it) => it.embedding.map((x) => x / Math.hypot(...it.embedding)))
    );
    const models = unit.map((rows) =>
      rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length)
    );
    const defOf = async () =>
      (await s.conn.query<{ d: string }>(
        "SELECT indexdef AS d FROM pg_indexes WHERE indexname = 'speakers_model_hnsw'",
      ))[0]?.d ?? "";
    assert((await defOf()).includes("halfvec_cosine_ops"), await defOf());
    for (const type of ["halfvec", "vector"] as const) {
      if (type === "vector") {
        await s.buildIndex({ m: 16, efConstruction: 64, type });
        assert((await defOf()).includes("vector_cosine_ops") && !(await defOf()).includes("halfvec"));
      }
      const rng = new Rng(11);
      for (let q = 0; q < 10; q++) {
        const query = Float32Array.from({ length: 8 }, () => rng.normal());
        log.length = 0;
        const hits = await s.search(TEST_MODEL, query, 5, { efSearch: 200 });
        const truth = models.map((m, i) => ({ i, c: cos(m, query) })).sort((a, b) => b.c - a.c);
        assertEquals(hits.map((h) => h.name), truth.slice(0, 5).map((t) => `s${t.i}`), `${type} query ${q}`);
        hits.forEach((h, k) => assertAlmostEquals(h.score, truth[k].c, 1e-6));
        const sel = log.find((l) => /^SELECT/.test(l.text))!;
        const plan = await s.conn.transaction(async (tx) => {
          await tx.query("SET LOCAL hnsw.ef_search = 200");
          return (await tx.query(`EXPLAIN ${sel.text}`, sel.params)).map((r) => Object.values(r)[0]).join(
            "\n",
          );
        });
        assert(/Index Scan using speakers_model_hnsw/.test(plan), `${type}: no index scan:\n${plan}`);
      }
    }
  } finally {
    await s.close();
  }
}

Deno.test("speakers index (pglite): halfvec by default, float32 still used; exact scores", async () => {
  const dir = await Deno.makeTempDir({ prefix: "embedkit-spk-index-" });
  try {
    await check(`${dir}/store`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: `speakers index (postgres): halfvec by default, float32 still used; exact scores${
    pg.ignore ? ` (SKIPPED: ${pg.name})` : ""
  }`,
  ignore: pg.ignore,
  sanitizeResources: false,
  async fn() {
    try {
      await check(await (pg.server as PgServer).database(`index_${Deno.pid}`));
    } finally {
      await pg.server?.stop();
    }
  },
});
