/**
 * Integrity of a remote plugin's whole module graph, and the lock of what was verified.
 *
 * `--integrity` pins the sha256 of the entry module. A module it imports from its own host (`./util.ts`)
 * or any other URL would be fetched by Deno at import time and run unverified, so a remote plugin must be
 * ONE self-contained module: its imports may only be `node:` built-ins and bare names of the project's
 * import map (pinned by deno.lock). Relative, absolute-URL, `npm:`, `jsr:`, `http(s):`, `data:` and
 * `file:` imports, `import()` of a computed specifier and `new Worker(...)` are refused before the module
 * is imported, naming the line. `import type` lines are erased before running and are allowed. Then the
 * entry's hash covers every line of remote code that runs.
 *
 * The scan is conservative (a lexer, not a parser): an `import` inside a comment or string may be refused
 * too; rewrite or bundle the plugin (`deno bundle`, esbuild) into one file without such imports.
 *
 * Verified plugins are recorded in `<cacheDir>/lock.json` (`{ version, plugins: { url: { sha256,
 * imports, verifiedAt } } }`); a URL whose verified hash changed since the last run is reported.
 * @module
 */
import { ConfigError } from "./errors.ts";
import { writeFileAtomic } from "./atomic.ts";
import { join } from "./paths.ts";

/** One import found in a module's source. */
export interface FoundImport {
  readonly specifier: string;
  readonly line: number;
  readonly typeOnly: boolean;
}

const STATIC = /(?:^|[^\w$.])(import|export)(\s+type)?\s*(?:[\w$*{}\s,]*?\s*from\s*)?(["'])([^"'\n]+)\3/g;
const DYNAMIC = /(?:^|[^\w$.])import\s*\(\s*/g;
const WORKER = /\bnew\s+Worker\s*\(/g;

function lineAt(src: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (src.charCodeAt(i) === 10) n++;
  return n;
}

/** Static and literal dynamic imports of a module; throws on a computed `import()` or a Worker. */
export function scanImports(src: string, url: string): FoundImport[] {
  const out: FoundImport[] = [];
  for (const m of src.matchAll(STATIC)) {
    const at = m.index! + m[0].indexOf(m[1]); // the prefix class may have matched the previous newline
    out.push({ specifier: m[4], line: lineAt(src, at), typeOnly: Boolean(m[2]) });
  }
  for (const m of src.matchAll(DYNAMIC)) {
    const rest = src.slice(m.index! + m[0].length);
    const lit = /^(["'])([^"'\n]+)\1\s*\)/.exec(rest);
    const line = lineAt(src, m.index! + m[0].indexOf("import"));
    if (!lit) {
      throw new ConfigError(
        "plugin loader",
        `${url}:${line}: import() of a computed specifier cannot be verified; ` +
          "a remote plugin must be one self-contained module",
      );
    }
    out.push({ specifier: lit[2], line, typeOnly: false });
  }
  for (const m of src.matchAll(WORKER)) {
    throw new ConfigError(
      "plugin loader",
      `${url}:${
        lineAt(src, m.index!)
      }: a remote plugin may not start a Worker (its module would run unverified)`,
    );
  }
  return out;
}

/**
 * Refuses every import of a remote module that would load code the integrity hash does not cover.
 * Allowed: `node:` built-ins, bare import-map names (`protobufjs`), and `import type` of anything.
 */
export function checkSelfContained(src: string, url: string): FoundImport[] {
  const found = scanImports(src, url);
  for (const f of found) {
    if (f.typeOnly) continue;
    const s = f.specifier;
    const bare = /^(@[\w.-]+\/)?[\w.-]+(\/[\w./-]*)?$/.test(s) && !s.startsWith(".");
    if (s.startsWith("node:") || (bare && !/^[a-z]+:/.test(s))) continue;
    throw new ConfigError(
      "plugin loader",
      `${url}:${f.line}: imports '${s}', which --integrity does not cover (only the plugin's own file is ` +
        "hashed); a remote plugin must be one self-contained module: bundle it, or import only node: " +
        "built-ins and the project's import-map names",
    );
  }
  return found;
}

/** The lock of verified remote plugins. */
export interface PluginLock {
  readonly version: 1;
  readonly plugins: Record<string, { sha256: string; imports: string[]; verifiedAt: string }>;
}

/** Reads `<dir>/lock.json` (empty lock when absent or unreadable). */
export async function readPluginLock(dir: string): Promise<PluginLock> {
  try {
    const j = JSON.parse(await Deno.readTextFile(join(dir, "lock.json")));
    if (j && j.version === 1 && j.plugins && typeof j.plugins === "object") return j as PluginLock;
  } catch { /* absent or corrupt: start a new one */ }
  return { version: 1, plugins: {} };
}

/**
 * Records a verified plugin in the lock (atomically); returns a note when the URL was verified before
 * with another hash (the user changed --integrity, or the server now serves other code).
 */
export async function recordVerified(
  dir: string,
  url: string,
  sha256: string,
  imports: readonly FoundImport[],
): Promise<string | undefined> {
  const lock = await readPluginLock(dir);
  const prev = lock.plugins[url];
  const note = prev && prev.sha256 !== sha256
    ? `${url} changed since it was verified on ${prev.verifiedAt} (sha256 ${prev.sha256} -> ${sha256})`
    : undefined;
  const plugins = {
    ...lock.plugins,
    [url]: { sha256, imports: imports.map((i) => i.specifier), verifiedAt: new Date().toISOString() },
  };
  await writeFileAtomic(join(dir, "lock.json"), JSON.stringify({ version: 1, plugins }, null, 2) + "\n");
  return note;
}
