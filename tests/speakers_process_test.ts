/**
 * The speaker store across real processes (tests/speakers_child.ts): a process SIGKILLed inside an
 * enrollment transaction leaves no half-enrolled speaker (both stores); processes enrolling into one
 * server at once lose nothing, also when they append to the same speaker; a second process on an
 * embedded store is refused with the holder named; an unreachable server and a database without
 * pgvector get errors that name the fix.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "./assert.ts";
import { needsPg, type PgServer } from "./pg_server.ts";
import { syntheticItems, TEST_MODEL } from "./speakers_child.ts";
import { ROOT } from "./helpers.ts";
import { openSpeakerStore, StoreError } from "../core/speakers/mod.ts";

const pg = await needsPg("speaker store processes (server)");
const server = pg.server as PgServer;
const CHILD = [
  "run",
  "--allow-read",
  "--allow-write=/tmp",
  "--allow-env",
  "--allow-sys",
  "--allow-net=127.0.0.1",
];

function child(...args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [...CHILD, "tests/speakers_child.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function finish(p: Deno.ChildProcess): Promise<{ code: number; out: string; err: string }> {
  const o = await p.output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr) };
}

/** Resolves when the child prints `line` on stdout (keeps reading the rest). */
function waitFor(p: Deno.ChildProcess, line: string): { seen: Promise<void>; rest: Promise<string> } {
  let resolve!: () => void;
  const seen = new Promise<void>((r) => (resolve = r));
  const rest = (async () => {
    let text = "";
    for await (const chunk of p.stdout.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      if (text.split("\n").includes(line)) resolve();
    }
    resolve();
    return text;
  })();
  return { seen, rest };
}

const temps: string[] = [];
async function tempStore(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "embedkit-spk-" });
  temps.push(dir);
  return `${dir}/store`;
}
globalThis.addEventListener("unload", () => temps.forEach((d) => Deno.removeSync(d, { recursive: true })));

for (const kind of ["pglite", "postgres"] as const) {
  Deno.test({
    name: `speakers (${kind}): SIGKILL inside the enrollment transaction leaves no half-enrolled speaker` +
      (kind === "postgres" && pg.ignore ? ` (SKIPPED: ${pg.name})` : ""),
    ignore: kind === "postgres" && pg.ignore,
    async fn() {
      const db = kind === "pglite" ? await tempStore() : await server.database(`crash_${Deno.pid}`);
      let r = await finish(child("enroll", db, "alice", "3", "1"));
      assertEquals(r.code, 0, r.err);
      r = await finish(child("enroll", db, "bob", "5", "2", "crash"));
      assert(r.out.includes("stored"), `the child should die after writing bob's rows: ${r.out} ${r.err}`);
      assertEquals(r.code, 137, "killed by SIGKILL");
      r = await finish(child("enroll", db, "alice", "2", "3", "crash")); // appending to alice, killed too
      assertEquals(r.code, 137);
      const s = await openSpeakerStore(db);
      try {
        assertEquals((await s.list()).map((x) => [x.name, x.utterances]), [["alice", 3]]);
        assertEquals(await s.counts(), { enrolled: 1, cohort: 0, utterances: 3 });
        assertEquals((await s.utterances("alice")).length, 3);
      } finally {
        await s.close();
      }
    },
  });
}

Deno.test({
  name: `speakers (postgres): four processes enrolling at once, two into the same speaker, lose nothing` +
    (pg.ignore ? ` (SKIPPED: ${pg.name})` : ""),
  ignore: pg.ignore,
  async fn() {
    const db = await server.database(`concurrent_${Deno.pid}`);
    const pre = await finish(child("enroll", db, "shared", "2", "10")); // exists: the appends below race on its row
    assertEquals(pre.code, 0, pre.err);
    const jobs = [
      child("enroll", db, "shared", "6", "11", "slow"),
      child("enroll", db, "shared", "4", "12", "slow"),
      child("enroll", db, "carol", "5", "13"),
      child("enroll", db, "dave", "3", "14"),
    ];
    for (const j of jobs) {
      const r = await finish(j);
      assertEquals(r.code, 0, r.err);
    }
    const s = await openSpeakerStore(db);
    try {
      assertEquals((await s.list()).map((x) => [x.name, x.utterances]), [["carol", 5], ["dave", 3], [
        "shared",
        12,
      ]]);
      // the model vector averages all 12 utterances, whichever process committed last
      const rows = [10, 11, 12].flatMap((seed, i) => syntheticItems(seed, [2, 6, 4][i], 8, "shared")).map((
        i,
      ) => i.embedding);
      const m = new Float64Array(8);
      for (const r of rows) r.forEach((x, j) => (m[j] += x / Math.hypot(...r) / rows.length));
      const got = (await s.speaker("shared")).model;
      for (let j = 0; j < 8; j++) assertAlmostEquals(got[j], m[j], 1e-6);
    } finally {
      await s.close();
    }
  },
});

Deno.test("speakers (pglite): a second process on the same store dir is refused, naming the holder", async () => {
  const db = await tempStore();
  const holder = child("hold", db, "20000");
  const w = waitFor(holder, "ready");
  await w.seen;
  try {
    const r = await finish(child("enroll", db, "alice", "2", "1"));
    assert(r.code !== 0, "the second process must not open a locked store");
    assert(r.err.includes("in use by another process") && r.err.includes(`pid ${holder.pid}`), r.err);
    assert(r.err.includes("postgres://"), "the message names the fix (a server for several processes)");
    await assertRejects(() => openSpeakerStore(db), StoreError, "in use by another process");
  } finally {
    holder.kill("SIGKILL");
    await holder.status;
    await w.rest;
    await holder.stderr.cancel();
  }
  const s = await openSpeakerStore(db); // the OS dropped the dead holder's lock: no stale lock
  await s.close();
});

Deno.test("speakers (postgres): an unreachable server names host, port and the fix", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const e = await assertRejects(
    () => openSpeakerStore(`postgres://someone:secret@127.0.0.1:${port}/x`),
    StoreError,
    `cannot reach the PostgreSQL server at 127.0.0.1:${port}`,
  );
  assert(e.message.includes("start the server") && !e.message.includes("secret"), e.message);
});

Deno.test({
  name: `speakers (postgres): a database without pgvector, and a role that may not enable it, gets the fix` +
    (pg.ignore ? ` (SKIPPED: ${pg.name})` : ""),
  ignore: pg.ignore,
  async fn() {
    await server.psql("DO $$BEGIN CREATE ROLE plain LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$");
    const url = (await server.database(`novector_${Deno.pid}`)).replace("postgres@", "plain@");
    const e = await assertRejects(
      () => openSpeakerStore(url),
      StoreError,
      "pgvector is installed on the server but not enabled",
    );
    assert(e.message.includes("CREATE EXTENSION vector"), e.message);
    await server.psql("CREATE EXTENSION vector", `novector_${Deno.pid}`);
    await server.psql(`GRANT ALL ON SCHEMA public TO plain`, `novector_${Deno.pid}`);
    const s = await openSpeakerStore(url); // enabled by a superuser: the plain role can use the store
    await s.enroll("alice", TEST_MODEL, syntheticItems(1, 1));
    await s.close();
  },
});

Deno.test({
  name: "speakers processes: stop the test server",
  ignore: pg.ignore,
  async fn() {
    await server?.stop();
  },
});
