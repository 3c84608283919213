/**
 * The CLI (cli/main.ts) as a subprocess for the kill-and-resume tests: spawn it, run it to the end, and
 * SIGKILL it (no clean-up) once the checkpoint of a `train` stage's .partial folder says an epoch is done.
 * Also {@link runDeno}, the one way the CLI tests run `deno ...` to the end and read its outputs.
 * @module
 */
import { join } from "node:path";
import { ROOT } from "./helpers.ts";
import { loadCheckpoint } from "../core/nn/checkpoint.ts";

/** Spawns the CLI with piped outputs, progress off. */
export function cli(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", "--allow-sys", "cli/main.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", EMBEDKIT_PROGRESS: "0" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** A finished subprocess: its exit code and its decoded outputs. */
export interface ProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

function decoded(out: Deno.CommandOutput): ProcessRun {
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs the CLI to the end; returns its exit code and outputs. */
export async function run(args: string[]): Promise<ProcessRun> {
  return decoded(await cli(args).output());
}

/**
 * Runs `deno ...args` to the end with piped outputs, from `cwd` (default: the repository root), with
 * NO_COLOR=1 and `env` added to this process's environment.
 */
export async function runDeno(
  args: readonly string[],
  o: { cwd?: string; env?: Record<string, string> } = {},
): Promise<ProcessRun> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [...args],
    cwd: o.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...o.env },
  });
  return decoded(await cmd.output());
}

/**
 * Polls `work` every 20 ms (at most `polls` times) and SIGKILLs `child` as soon as a checkpoint in one of
 * its .partial folders records epoch >= `minEpoch`; returns that epoch (0 if it never came) and how the
 * child exited.
 */
export async function killAfterEpoch(
  child: Deno.ChildProcess,
  work: string,
  minEpoch: number,
  polls: number,
): Promise<{ killedAfter: number; status: Deno.CommandStatus }> {
  let killedAfter = 0;
  for (let i = 0; i < polls && !killedAfter; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const partial = await Array.fromAsync(Deno.readDir(work)).catch(() => []); // not created yet
    for (const e of partial.filter((e) => e.name.endsWith(".partial"))) {
      const ck = join(work, e.name, "checkpoint.ekck");
      const epoch = await loadCheckpoint(ck).then((c) => Number(c.meta?.epoch ?? 0), () => 0);
      if (epoch >= minEpoch) {
        child.kill("SIGKILL");
        killedAfter = epoch;
      }
    }
  }
  const status = await child.status;
  await child.stdout.cancel();
  await child.stderr.cancel();
  return { killedAfter, status };
}

/**
 * `deno run` arguments that start cli/main.ts with `args` under the CLI tests' permissions (`net` adds
 * --allow-net=127.0.0.1, for the local PostgreSQL server).
 */
export function cliRunArgs(args: readonly string[], o: { net?: boolean } = {}): string[] {
  const net = o.net ? ["--allow-net=127.0.0.1"] : [];
  return [
    "run",
    "--allow-read",
    "--allow-write=.,/tmp",
    "--allow-env",
    "--allow-sys",
    ...net,
    "cli/main.ts",
    ...args,
  ];
}
