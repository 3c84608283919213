/**
 * A throwaway PostgreSQL 15 server with pgvector on 127.0.0.1 for the server-store tests and the bench.
 *
 * What it does (the steps of ../shared/vendor/README.md, made idempotent):
 * 1. finds the server binaries (`pg_config --bindir`, else /usr/lib/postgresql/15/bin); absent → skip;
 * 2. makes sure pgvector is installed in that server: when `<sharedir>/extension/vector.control` is
 *    missing, it builds ../shared/vendor/pgvector-0.8.6.tar.gz in /tmp/embedkit-pgvector-0.8.6 (the
 *    build output is cached there: a second run only re-runs `make install`) and installs it;
 * 3. `initdb` a cluster in a fresh /tmp dir and starts it on a free port, listening on 127.0.0.1 only.
 *    PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user (Debian's
 *    package creates it) and every server command runs through `runuser -u postgres`.
 *
 * `startPgServer()` returns the same running server to every caller in a process; `stop()` stops it and
 * removes its dir, and may be called any number of times; a process that ends without calling it stops
 * the server on its `unload` event. When something is missing the result says
 * why (`skip`), so tests can show "SKIPPED: <reason>" instead of failing.
 * @module
 */
import { join, resolve } from "node:path";
import { ROOT } from "./helpers.ts";

/** A running test server. */
export interface PgServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth, superuser). */
  readonly url: string;
  readonly port: number;
  /** Connection URL of another database on this server (creates it when missing). */
  database(name: string): Promise<string>;
  /** Runs SQL through psql as the superuser (for test setup: roles, databases). */
  psql(sql: string, db?: string): Promise<string>;
  /** Stops the server and removes its data dir (idempotent). */
  stop(): Promise<void>;
}

/** Where the vendored pgvector source lives (../shared/vendor next to the repository). */
export const PGVECTOR_TARBALL = resolve(ROOT, "..", "shared", "vendor", "pgvector-0.8.6.tar.gz");
const BUILD_DIR = "/tmp/embedkit-pgvector-0.8.6";

async function run(cmd: string, args: string[], opts: { user?: string; cwd?: string } = {}) {
  const asUser = opts.user && Deno.uid?.() === 0;
  const command = asUser ? "runuser" : cmd;
  const argv = asUser ? ["-u", opts.user!, "--", cmd, ...args] : args;
  const out = await new Deno.Command(command, { args: argv, cwd: opts.cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { ok: out.success, text };
}

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

/** The server's bin dir, or undefined when PostgreSQL is not installed. */
async function findBinDir(): Promise<string | undefined> {
  for (const c of ["/usr/lib/postgresql/15/bin/pg_config", "pg_config"]) {
    try {
      const r = await run(c, ["--bindir"]);
      const bin = r.text.trim();
      if (r.ok && await exists(join(bin, "pg_ctl")) && await exists(join(bin, "initdb"))) return bin;
    } catch { /* not there */ }
  }
  return undefined;
}

/** Builds (cached) and installs pgvector into the server; returns a reason string on failure. */
async function ensurePgvector(pgConfig: string): Promise<string | undefined> {
  const share = (await run(pgConfig, ["--sharedir"])).text.trim();
  if (await exists(join(share, "extension", "vector.control"))) return undefined;
  if (!await exists(PGVECTOR_TARBALL)) return `pgvector is not installed and ${PGVECTOR_TARBALL} is absent`;
  const src = join(BUILD_DIR, "pgvector-0.8.6");
  if (!await exists(join(src, "vector.so"))) {
    await Deno.mkdir(BUILD_DIR, { recursive: true });
    let r = await run("tar", ["xzf", PGVECTOR_TARBALL, "-C", BUILD_DIR]);
    if (!r.ok) return `cannot unpack ${PGVECTOR_TARBALL}: ${r.text}`;
    console.error(`pg_server: building pgvector 0.8.6 in ${src} (~20 s, cached afterwards)`);
    r = await run("make", ["-C", src, "-s", `PG_CONFIG=${pgConfig}`]);
    if (!r.ok) {
      return `pgvector build failed (needs make, a C compiler and postgresql-server-dev-15): ${r.text}`;
    }
  }
  const r = await run("make", ["-C", src, "-s", "install", `PG_CONFIG=${pgConfig}`]);
  if (!r.ok) {
    return `cannot install pgvector into ${share} (run the tests as root or install it once): ${r.text}`;
  }
  return undefined;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

let current: Promise<PgServer | { skip: string }> | undefined;

/**
 * Starts (once per process) a throwaway server with pgvector; `{ skip }` says why it cannot.
 * Extra `settings` (`-c name=value`) apply only to the first start.
 */
export function startPgServer(settings: Record<string, string> = {}): Promise<PgServer | { skip: string }> {
  current ??= start(settings).catch((e) => ({ skip: `could not start PostgreSQL: ${(e as Error).message}` }));
  return current;
}

async function start(settings: Record<string, string>): Promise<PgServer | { skip: string }> {
  const bin = await findBinDir();
  if (!bin) {
    return {
      skip: "PostgreSQL 15 binaries are absent (apt-get install postgresql postgresql-server-dev-15)",
    };
  }
  const why = await ensurePgvector(join(bin, "pg_config"));
  if (why) return { skip: why };
  const root = Deno.uid?.() === 0;
  const dir = await Deno.makeTempDir({ prefix: "embedkit-pg-" });
  const user = root ? "postgres" : undefined;
  if (root) {
    const r = await run("chown", ["postgres", dir]);
    if (!r.ok) return { skip: `cannot hand ${dir} to the postgres user: ${r.text}` };
  }
  const data = join(dir, "data");
  let r = await run(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], {
    user,
    cwd: "/tmp",
  });
  if (!r.ok) return { skip: `initdb failed: ${r.text}` };
  const port = freePort();
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`),
  ].join(" ");
  r = await run(join(bin, "pg_ctl"), ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "start"], {
    user,
    cwd: "/tmp",
  });
  if (!r.ok) {
    const log = await Deno.readTextFile(join(dir, "log")).catch(() => "");
    return { skip: `pg_ctl start failed: ${r.text}\n${log}` };
  }
  const psqlBin = join(bin, "psql");
  const psql = async (sql: string, db = "postgres") => {
    const q = await run(psqlBin, [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-U",
      "postgres",
      "-d",
      db,
      "-v",
      "ON_ERROR_STOP=1",
      "-Atc",
      sql,
    ]);
    if (!q.ok) throw new Error(`psql failed: ${q.text}`);
    return q.text;
  };
  let stopped = false;
  // a run that ends without calling stop() (a filtered test run, a crash) still stops its server
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    const args = ["-D", data, "-m", "immediate", "-w", "stop"];
    const bin2 = join(bin, "pg_ctl");
    new Deno.Command(root ? "runuser" : bin2, {
      args: root ? ["-u", "postgres", "--", bin2, ...args] : args,
      cwd: "/tmp",
    })
      .outputSync();
    Deno.removeSync(dir, { recursive: true });
  };
  globalThis.addEventListener("unload", stopNow);
  const server: PgServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async database(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name '${name}'`);
      const has = await psql(`SELECT 1 FROM pg_database WHERE datname = '${name}'`);
      if (!has.trim()) await psql(`CREATE DATABASE ${name}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    psql,
    async stop() {
      if (stopped) return;
      stopped = true;
      current = undefined;
      globalThis.removeEventListener("unload", stopNow);
      await run(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], { user, cwd: "/tmp" });
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  return server;
}

/** `Deno.test` name/ignore for a test that needs the server: ignored with the reason when it cannot start. */
export async function needsPg(name: string): Promise<{ name: string; ignore: boolean; server?: PgServer }> {
  const s = await startPgServer();
  if ("skip" in s) {
    console.error(`SKIP: ${name}: ${s.skip}`);
    return { name: `${name} (SKIPPED: ${s.skip.split("\n")[0]})`, ignore: true };
  }
  return { name, ignore: false, server: s };
}
