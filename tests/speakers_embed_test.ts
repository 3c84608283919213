/**
 * `embed --shard k/N` with real processes against the throwaway PostgreSQL server: 4 workers embed
 * LibriSpeech test-other (100 files) into one table; worker 1 is SIGKILLed after its first batches
 * landed and then started again. The table must then hold every file exactly once, equal (keys,
 * metadata and embeddings) to what a single worker (--shard 0/1) writes into another database.
 */
import { assert, assertEquals } from "./assert.ts";
import { needsShared, ROOT, shared } from "./helpers.ts";
import { needsPg, type PgServer } from "./pg_server.ts";
import { openSpeakerStore, parseShard, shardOf } from "../core/speakers/mod.ts";
import { parseVector } from "../core/speakers/sql.ts";
import { cliRunArgs } from "./cli_process.ts";

const pg = await needsPg("embed shards (server)");
const DATA = shared("librispeech", "test-other");

function worker(db: string, shard: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: cliRunArgs(["embed", DATA, "--db", db, "--shard", shard, "--batch-size", "4"], { net: true }),
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", EMBEDKIT_PROGRESS: "0" },
  }).spawn();
}

async function done(
  p: Deno.ChildProcess,
): Promise<{ code: number; json: Record<string, unknown>; err: string }> {
  const o = await p.output();
  const out = new TextDecoder().decode(o.stdout), err = new TextDecoder().decode(o.stderr);
  return { code: o.code, json: o.code === 0 ? JSON.parse(out) : {}, err };
}

type Row = { a: string; m: string; u: string; s: string; p: string; shard: string; v: string };

async function rows(db: string): Promise<Row[]> {
  const s = await openSpeakerStore(db);
  try {
    return await s.conn.query<Row>(
      "SELECT audio_sha256 AS a, model_sha256 AS m, utterance AS u, speaker AS s, path AS p, shard, " +
        "embedding::text AS v FROM embeddings ORDER BY audio_sha256",
    );
  } finally {
    await s.close();
  }
}

Deno.test({
  name:
    "embed --shard k/N: 4 worker processes, one killed mid-way and restarted, fill the table as one worker" +
    (pg.ignore ? ` (SKIPPED: ${pg.name})` : ""),
  ignore: pg.ignore || needsShared("x").ignore,
  async fn() {
    const server = pg.server as PgServer;
    const many = await server.database(`shards4_${Deno.pid}`),
      one = await server.database(`shards1_${Deno.pid}`);
    assertEquals(parseShard("3/4"), { k: 3, n: 4 });
    // migrate once up front, so the workers only race on data
    await (await openSpeakerStore(many)).close();
    const procs = ["0/4", "1/4", "2/4", "3/4"].map((k) => worker(many, k));
    const probe = await openSpeakerStore(many);
    let landed = 0;
    try {
      for (let t = 0; t < 600 && landed < 4; t++) {
        await new Promise((r) => setTimeout(r, 100));
        const [r] = await probe.conn.query("SELECT count(*)::int AS n FROM embeddings WHERE shard = '1/4'");
        landed = Number(r.n);
      }
    } finally {
      await probe.close();
    }
    procs[1].kill("SIGKILL");
    const killed = await done(procs[1]);
    assertEquals(killed.code, 137, "worker 1 was killed");
    const results = await Promise.all([0, 2, 3].map((i) => done(procs[i])));
    for (const r of results) assertEquals(r.code, 0, r.err);
    const mine = (await rows(many)).filter((r) => r.shard === "1/4").length;
    const restarted = await done(worker(many, "1/4"));
    assertEquals(restarted.code, 0, restarted.err);
    const j = restarted.json;
    assert(
      mine >= 4 && mine < Number(j.assigned),
      `killed mid-way: ${mine} of ${j.assigned} rows had landed`,
    );
    assertEquals(
      [j.present, j.written],
      [mine, Number(j.assigned) - mine],
      "the restart embeds only what is missing",
    );
    const single = await done(worker(one, "0/1"));
    assertEquals(single.code, 0, single.err);
    assertEquals([single.json.assigned, single.json.written], [100, 100]);

    const a = await rows(many), b = await rows(one);
    assertEquals(a.length, 100, "every file once");
    assertEquals(new Set(a.map((r) => r.a)).size, 100, "no duplicates");
    assertEquals(a.map((r) => [r.a, r.m, r.u, r.s, r.p]), b.map((r) => [r.a, r.m, r.u, r.s, r.p]));
    for (const r of a) assertEquals(r.shard, `${shardOf(r.u, 4)}/4`, `${r.u} went to its shard`);
    let maxDiff = 0;
    a.forEach((r, i) => {
      const x = parseVector(r.v), y = parseVector(b[i].v);
      for (let k = 0; k < x.length; k++) maxDiff = Math.max(maxDiff, Math.abs(x[k] - y[k]));
    });
    assert(maxDiff <= 1e-5, `embeddings differ between the sharded and the single run by ${maxDiff}`);
    const perShard = [0, 1, 2, 3].map((k) => a.filter((r) => r.shard === `${k}/4`).length);
    assertEquals(perShard.reduce((x, y) => x + y, 0), 100);
    assert(perShard.every((n) => n > 10), `shards are balanced enough: ${perShard}`);
  },
});

Deno.test({
  name: "embed shards: stop the test server",
  ignore: pg.ignore,
  async fn() {
    await pg.server?.stop();
  },
});
