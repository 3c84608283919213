/**
 * The server store through the real CLI task flags (deno.json `embedkit`, read as
 * tests/trust_permissions_test.ts does): `speakers list --db postgres://...` against the throwaway server
 * works once `--allow-net=127.0.0.1:PORT` is added, and without it says which flag to add. The oracle
 * for the env list is the pinned npm `postgres` client's own source: every `PG*` variable it may read
 * must be granted (Deno refuses the read otherwise, and the command fails on PGPASSWORD).
 */
import { assert, assertEquals } from "./assert.ts";
import { join } from "node:path";
import { ROOT } from "./helpers.ts";
import { runDeno } from "./cli_process.ts";
import { needsPg } from "./pg_server.ts";

const DENO_JSON = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
const TASK = DENO_JSON.tasks.embedkit as string;

/** The task's words (double quotes group, `$INIT_CWD` expanded), without `VAR=value` prefixes. */
function taskWords(task: string, initCwd: string): string[] {
  const words = [...task.matchAll(/"([^"]*)"|(\S+)/g)].map((m) =>
    (m[1] ?? m[2]).replaceAll("$INIT_CWD", initCwd)
  );
  while (/^[A-Z_]+=/.test(words[0])) words.shift();
  return words;
}

/** Runs `cli/main.ts ...args` with the task's flags plus `extra` flags. */
function cli(extra: string[], args: string[]) {
  const words = taskWords(TASK, ROOT);
  assertEquals(words.slice(0, 2), ["deno", "run"]);
  assertEquals(words.at(-1), "cli/main.ts");
  return runDeno([...words.slice(1, -1), ...extra, "cli/main.ts", ...args], { env: { INIT_CWD: ROOT } });
}

Deno.test("the embedkit task grants every PG* variable the pinned npm postgres client may read", async () => {
  const spec = DENO_JSON.imports.postgres as string; // npm:postgres@X
  const version = spec.split("@").at(-1);
  const src = await Deno.readTextFile(
    join(ROOT, "node_modules", ".deno", `postgres@${version}`, "node_modules", "postgres", "src", "index.js"),
  );
  const read = new Set([...src.matchAll(/env\.(PG[A-Z_]+)/g)].map((m) => m[1]));
  // env['PG' + k.toUpperCase()] for every key of its `defaults` object
  assert(src.includes("env['PG' + k.toUpperCase()]"), "the client reads PG<option> for its defaults");
  const defaults = /const defaults = \{([^}]*)\}/.exec(src)?.[1] ?? "";
  for (const m of defaults.matchAll(/^\s*(\w+)\s*:/gm)) read.add(`PG${m[1].toUpperCase()}`);
  assert(read.has("PGPASSWORD") && read.has("PGTARGET_SESSION_ATTRS") && read.size >= 20, [...read].join());
  const granted = taskWords(TASK, "/caller").filter((w) => w.startsWith("--allow-env="))
    .flatMap((w) => w.slice("--allow-env=".length).split(","));
  for (const v of read) assert(granted.includes(v), `the embedkit task does not grant ${v}`);
  assert(!TASK.includes("--allow-net"), "the task itself grants no network");
});

const t = await needsPg(
  "speakers list --db postgres://: works with --allow-net=host:port added, else names it",
);
Deno.test({ name: t.name, ignore: t.ignore, sanitizeResources: false }, async () => {
  const url = await t.server!.database("perm_cli");
  const host = `127.0.0.1:${t.server!.port}`;
  const ok = await cli([`--allow-net=${host}`], ["speakers", "list", "--db", url]);
  assertEquals(ok.code, 0, ok.stderr);
  const listed = JSON.parse(ok.stdout);
  assertEquals(listed.store, "postgres");
  assertEquals(listed.speakers, []);
  assertEquals(listed.counts, { enrolled: 0, cohort: 0, utterances: 0 });

  const refused = await cli([], ["speakers", "list", "--db", url]);
  assert(refused.code !== 0, refused.stdout);
  assert(refused.stderr.includes(`run with --allow-net=${host}`), refused.stderr);
  assert(!/Requires env access/.test(refused.stderr + ok.stderr), refused.stderr);
});
