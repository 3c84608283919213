/**
 * The done-when of the speaker registry, through the real CLI (`deno run cli/main.ts`), with the
 * embedded store and with the server store: six LibriSpeech test-other speakers are enrolled from 5
 * utterances each (one process per speaker), then a later process identifies every other utterance of
 * the data dir. Ground truth is the folder each file sits in; enrollment files are recognised by their
 * audio sha256 and left out. Also: names are JSON strings (quotes and non-ASCII survive), verify,
 * list, remove, export, and the errors a user meets (empty audio, unknown speaker, another model). The
 * default backbone is `zoo:embedkit-speaker`; a store enrolled with the TDNN keeps using the TDNN.
 */
import { assert, assertEquals } from "./assert.ts";
import { needsShared, ROOT, shared } from "./helpers.ts";
import { needsPg, type PgServer } from "./pg_server.ts";
import { zooModel } from "../core/zoo/catalog.ts";
import { DEFAULT_THRESHOLDS, MEASURED_THRESHOLDS } from "../core/speakers/scoring.ts";
import { cliRunArgs } from "./cli_process.ts";

const pg = await needsPg("speakers CLI (server)");
const SPEAKERS = ["1688", "1998", "2033", "2414", "2609", "3005"];
const DATA = shared("librispeech", "test-other");
const files = (s: string, from: number, to: number) =>
  Array.from(
    { length: to - from },
    (_, i) => `${DATA}/${s}/${enrollPrefix(s)}-${String(from + i).padStart(4, "0")}.flac`,
  );

function enrollPrefix(speaker: string): string {
  for (const e of Deno.readDirSync(`${DATA}/${speaker}`)) return e.name.split("-").slice(0, 2).join("-");
  throw new Error(`no files for ${speaker}`);
}

/** Parsed JSON output of a command (its shape is what the assertions check). */
// deno-lint-ignore no-explicit-any
type Json = any;

async function embedkit(...args: string[]): Promise<{ code: number; json: Json; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: cliRunArgs(args, { net: true }),
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  let json: unknown = undefined;
  try {
    json = text.trim() ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { code: out.code, json, stderr: new TextDecoder().decode(out.stderr) };
}

async function endToEnd(db: string): Promise<void> {
  for (const s of SPEAKERS) {
    const r = await embedkit("speakers", "enroll", "--db", db, s, ...files(s, 0, 5));
    assertEquals(r.code, 0, r.stderr);
    assertEquals([r.json.speaker, r.json.added, r.json.utterances], [s, 5, 5]);
    assertEquals(r.json.model.backbone, "onnx-speaker:model=zoo:embedkit-speaker");
    assertEquals(r.json.model.sha256, zooModel("embedkit-speaker").bundled!.sha256);
  }
  // a later process: every utterance of the data dir that was not enrolled (30 of these speakers, 40 of 4 others)
  const id = await embedkit("speakers", "identify", "--db", db, "--data", DATA, "--top", "3");
  assertEquals(id.code, 0, id.stderr);
  const { metrics, results } = id.json;
  assertEquals([id.json.utterances, id.json.skippedEnrolled, metrics.topNSegments], [70, 30, 30]);
  const inSet = results.filter((r: Json) => r.enrolled);
  const right = inSet.filter((r: Json) => r.speaker === r.reference).length;
  assert(right >= 28, `identified ${right}/30 new utterances of the enrolled speakers`);
  assert(metrics.top1Accuracy >= 28 / 30 && metrics.top5Accuracy === 1, JSON.stringify(metrics));
  const outOfSet = results.filter((r: Json) => !r.enrolled);
  const rejected = outOfSet.filter((r: Json) => r.speaker === null).length;
  assert(
    rejected >= 36,
    `rejected ${rejected}/40 utterances of speakers never enrolled (${id.json.threshold})`,
  );
  assert(metrics.ier <= 0.15 && metrics.precision >= 0.85 && metrics.recall >= 0.9, JSON.stringify(metrics));
  // single files, names as JSON strings
  const one = await embedkit("speakers", "identify", "--db", db, files("2033", 7, 8)[0]);
  assertEquals(one.code, 0, one.stderr);
  assertEquals(one.json.results[0].speaker, "2033");
  assertEquals([one.json.scale, one.json.threshold], ["cosine", DEFAULT_THRESHOLDS.cosine]);
  const v = await embedkit("speakers", "verify", "--db", db, "1688", files("1688", 8, 9)[0]);
  assertEquals([v.code, v.json.speaker, v.json.accepted], [0, "1688", true], v.stderr);
  const vNo = await embedkit("speakers", "verify", "--db", db, "1688", files("2609", 8, 9)[0]);
  assertEquals([vNo.code, vNo.json.accepted], [0, false], vNo.stderr);
}

async function errorsAndAdmin(db: string, tmp: string): Promise<void> {
  const weird = 'Zoë "the voice"';
  const e = await embedkit("speakers", "enroll", "--db", db, weird, files("3080", 0, 1)[0]);
  assertEquals([e.code, e.json.speaker], [0, weird], e.stderr);
  const list = await embedkit("speakers", "list", "--db", db);
  assertEquals(list.json.speakers.map((s: Json) => s.name), [...SPEAKERS, weird]);
  const empty = `${tmp}/empty.wav`;
  await Deno.writeFile(empty, new Uint8Array(0));
  const r1 = await embedkit("speakers", "enroll", "--db", db, "x", empty);
  assert(r1.code === 1 && r1.stderr.includes("empty.wav") && r1.stderr.includes("empty"), r1.stderr);
  const r2 = await embedkit("speakers", "verify", "--db", db, "nobody", files("1688", 9, 10)[0]);
  assert(
    r2.code === 1 && r2.stderr.includes('unknown speaker "nobody"') && r2.stderr.includes("speakers list"),
    r2.stderr,
  );
  const r3 = await embedkit(
    "speakers",
    "identify",
    "--db",
    db,
    "--backbone",
    "fbank-stats",
    files("1688", 9, 10)[0],
  );
  assert(
    r3.code === 1 && r3.stderr.includes("refusing to score") &&
      r3.stderr.includes("--backbone 'onnx-speaker"),
    r3.stderr,
  );
  const rm = await embedkit("speakers", "remove", "--db", db, weird);
  assertEquals([rm.code, rm.json.removed, rm.json.utterances], [0, weird, 1], rm.stderr);
  const out = `${tmp}/export.jsonl`;
  const ex = await embedkit("speakers", "export", "--db", db, "--out", out);
  assertEquals(ex.code, 0, ex.stderr);
  const lines = (await Deno.readTextFile(out)).trim().split("\n").map((l: Json) => JSON.parse(l));
  assertEquals(lines.length, 1 + SPEAKERS.length);
  assertEquals(
    lines.slice(1).map((l: Json) => [l.name, l.embeddings.length, l.model.length]),
    SPEAKERS.map((s) => [s, 5, 192]),
  );
}

/**
 * A store enrolled with another model than the default (the TDNN) is searched with its own backbone and
 * its own measured threshold when --backbone is not given, in a later process.
 */
async function storeKeepsItsModel(db: string): Promise<void> {
  const TDNN = "onnx-speaker:model=zoo:embedkit-tdnn-librispeech";
  const sha = zooModel("embedkit-tdnn-librispeech").bundled!.sha256;
  assert(sha !== zooModel("embedkit-speaker").bundled!.sha256, "the default is another model");
  for (const s of SPEAKERS.slice(0, 3)) {
    const r = await embedkit("speakers", "enroll", "--db", db, "--backbone", TDNN, s, ...files(s, 0, 5));
    assertEquals([r.code, r.json.model.backbone, r.json.model.sha256], [0, TDNN, sha], r.stderr);
  }
  const more = await embedkit("speakers", "enroll", "--db", db, SPEAKERS[3], ...files(SPEAKERS[3], 0, 5));
  assertEquals([more.code, more.json.model.sha256], [0, sha], more.stderr);
  const id = await embedkit(
    "speakers",
    "identify",
    "--db",
    db,
    ...SPEAKERS.slice(0, 4).map((s) => files(s, 6, 7)[0]),
  );
  assertEquals(
    [id.code, id.json.model, id.json.threshold],
    [0, TDNN, MEASURED_THRESHOLDS[sha].cosine],
    id.stderr,
  );
  assertEquals(id.json.results.map((r: Json) => r.speaker), SPEAKERS.slice(0, 4));
}

Deno.test({
  ...needsShared(
    "speakers CLI (embedded PGlite): enroll 6 LibriSpeech speakers, identify new utterances later",
  ),
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "embedkit-spk-cli-" });
    try {
      await endToEnd(`${tmp}/store`);
      await errorsAndAdmin(`${tmp}/store`, tmp);
      await storeKeepsItsModel(`${tmp}/tdnn-store`);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

const serverOk = !pg.ignore && !needsShared("x").ignore;
Deno.test({
  name: "speakers CLI (PostgreSQL + pgvector): enroll 6 LibriSpeech speakers, identify new utterances later" +
    (pg.ignore ? ` (SKIPPED: ${pg.name})` : ""),
  ignore: !serverOk,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "embedkit-spk-cli-" });
    try {
      const db = await (pg.server as PgServer).database(`cli_${Deno.pid}`);
      await endToEnd(db);
      await errorsAndAdmin(db, tmp);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "speakers CLI: stop the test server",
  ignore: pg.ignore,
  async fn() {
    await pg.server?.stop();
  },
});
