/**
 * `deno task install [--root DIR] [--name embedkit] [--print]`: installs the CLI as a global command
 * (`deno install -g`) with the SAME scoped permissions as the `embedkit` task in deno.json, made
 * absolute so they hold from any folder: writes only to the folder it is run from (`.` at run time),
 * /tmp and this checkout's out/ and .cache/, never to the checkout's own files; env limited to the
 * variables embedkit reads; --allow-ffi only for the installed copy of onnxruntime-node (the fast path).
 * `--print` shows the command instead of running it. Afterwards `embedkit diarize a.wav` works anywhere.
 * @module
 */
import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Words of a deno.json task line (double quotes group), without leading `VAR=value` assignments. */
export function taskWords(task: string): string[] {
  const words = [...task.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
  while (/^[A-Z_]+=/.test(words[0])) words.shift();
  return words;
}

/** The `deno install` arguments for the embedkit task's permissions, absolute for an install root. */
export function installArgs(task: string, root: string, installRoot: string, name: string): string[] {
  const words = taskWords(task);
  const perms = words.filter((w) => w.startsWith("--allow-") || w.startsWith("--deny-"));
  const abs = (list: string) => list.split(",").map((p) => (p.startsWith("/") ? p : join(root, p))).join(",");
  // '.' is resolved when the command runs: the folder the user runs embedkit from (the task's $INIT_CWD)
  const out: string[] = [`--allow-write=.,/tmp,${join(root, "out")},${join(root, ".cache")}`];
  for (const p of perms) {
    const [flag, value] = p.includes("=")
      ? [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]
      : [p, ""];
    if (flag === "--allow-write") {
      continue;
    } else if (flag === "--deny-write") out.push(`--deny-write=${abs(value)}`);
    else if (flag === "--allow-ffi") {
      // deno install -g copies the config and installs npm packages next to the launcher
      out.push(`--allow-ffi=${join(installRoot, "bin", `.${name}`, value)}`);
    } else out.push(p);
  }
  return [
    "install",
    "-g",
    "-f",
    "--root",
    installRoot,
    "--name",
    name,
    "--config",
    join(root, "deno.json"),
    ...out,
    join(root, "cli", "main.ts"),
  ];
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { root: { type: "string" }, name: { type: "string" }, print: { type: "boolean" } },
  });
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? ".";
  const installRoot = resolve(values.root ?? Deno.env.get("DENO_INSTALL_ROOT") ?? join(home, ".deno"));
  const name = values.name ?? "embedkit";
  const task = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))).tasks.embedkit as string;
  const args = installArgs(task, ROOT, installRoot, name);
  if (values.print) {
    console.log(["deno", ...args].map((a) => (/[\s*$]/.test(a) ? `'${a}'` : a)).join(" "));
  } else {
    const r = await new Deno.Command(Deno.execPath(), {
      args,
      env: { ONNXRUNTIME_NODE_INSTALL: "skip" },
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (r.code !== 0) Deno.exit(r.code);
    console.log(`installed ${join(installRoot, "bin", name)}; add ${join(installRoot, "bin")} to PATH`);
  }
}
