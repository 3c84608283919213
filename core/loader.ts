/**
 * Loads users' plugin modules from a path or URL and registers them. Remote modules need an explicit
 * opt-in and a pinned sha256 integrity; the source is verified before it is imported, must be one
 * self-contained module (core/plugin_integrity.ts: imports that the hash would not cover are refused),
 * and is recorded in `.cache/plugins/lock.json`.
 * @module
 */
import { resolve, toFileUrl } from "./paths.ts";
import type { PluginDefinition } from "./contracts/base.ts";
import { checkDefinition } from "./guard.ts";
import { type Registry, registry as defaultRegistry } from "./registry.ts";
import { ConfigError } from "./errors.ts";
import { writeFileAtomic } from "./atomic.ts";
import { sha256Hex } from "./hash.ts";
import { checkSelfContained, recordVerified } from "./plugin_integrity.ts";

/** Options for {@link loadPluginModule}. */
export interface LoadPluginOptions {
  /** Registry to add to (the global one by default). */
  readonly registry?: Registry;
  /** Replace plugins of the same kind and name. */
  readonly override?: boolean;
  /** Must be true to load from http(s) URLs. */
  readonly allowRemote?: boolean;
  /** Required for URLs: `sha256-<base64>` or `sha256:<hex>` of the module source. */
  readonly integrity?: string;
  /** Directory for verified remote sources (default `.cache/plugins`). */
  readonly cacheDir?: string;
}

/** Collects plugin definitions from a module: `default`, `plugin`, `plugins`, or any exported definition. */
export function pluginsOf(mod: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  const add = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === "object" && "kind" in v && "create" in v && !out.includes(v)) out.push(v);
  };
  for (const v of Object.values(mod)) add(v);
  return out;
}

/** Imports a plugin module and registers every plugin it exports; returns their definitions. */
export async function loadPluginModule(
  spec: string,
  opts: LoadPluginOptions = {},
): Promise<PluginDefinition[]> {
  const reg = opts.registry ?? defaultRegistry;
  let url: string;
  if (/^https?:\/\//.test(spec)) {
    url = await fetchVerified(spec, opts);
  } else if (/^(file|data):/.test(spec)) {
    url = spec;
  } else {
    const path = resolve(spec);
    try {
      await Deno.stat(path);
    } catch {
      throw new ConfigError(
        "plugin loader",
        `no plugin module at ${path}; give a path to a .ts/.js file or a URL`,
      );
    }
    url = toFileUrl(path).href;
  }
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (e) {
    throw new ConfigError("plugin loader", `could not import ${spec}: ${(e as Error).message}`);
  }
  const defs = pluginsOf(mod);
  if (!defs.length) {
    throw new ConfigError(
      "plugin loader",
      `${spec} exports no plugin; export default (or 'plugin'/'plugins') an object with kind, name, description, defaults, options, validate and create`,
    );
  }
  const checked: PluginDefinition[] = defs.map((d) => {
    checkDefinition(d, spec);
    return d;
  });
  // the imported module (and its local imports) is what stage caches hash for these plugins
  for (const d of checked) reg.register(d, { override: opts.override, source: spec, module: url });
  return checked;
}

/** Parses `sha256-<base64>` or `sha256:<hex>` into hex. */
export function integrityHex(integrity: string): string {
  const m = /^sha256[-:](.+)$/.exec(integrity.trim());
  if (!m) {
    throw new ConfigError(
      "plugin loader",
      `integrity '${integrity}' must look like sha256-<base64> or sha256:<hex>`,
    );
  }
  const v = m[1];
  if (/^[0-9a-f]{64}$/i.test(v)) return v.toLowerCase();
  let bin = "";
  try {
    bin = atob(v);
  } catch { /* reported below */ }
  if (bin.length !== 32) {
    throw new ConfigError(
      "plugin loader",
      `integrity '${integrity}' is not a SHA-256: give sha256-<44 base64 chars> or sha256:<64 hex digits>`,
    );
  }
  return [...bin].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

async function fetchVerified(spec: string, opts: LoadPluginOptions): Promise<string> {
  if (!opts.allowRemote) {
    throw new ConfigError(
      "plugin loader",
      `refusing remote plugin ${spec}: pass --allow-remote-plugin and --integrity sha256-...`,
    );
  }
  if (!opts.integrity) {
    throw new ConfigError(
      "plugin loader",
      `remote plugin ${spec} needs a pinned --integrity sha256-... of its source`,
    );
  }
  const want = integrityHex(opts.integrity);
  let res: Response;
  try {
    res = await fetch(spec);
  } catch (e) {
    const host = new URL(spec).host;
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new ConfigError(
        "plugin loader",
        `network access to ${host} is not granted (the embedkit task grants none); run ` +
          `'deno run --allow-net=${host} <the embedkit task's other flags, see deno.json> cli/main.ts ...'`,
      );
    }
    throw new ConfigError("plugin loader", `fetching ${spec} failed: ${(e as Error).message}`);
  }
  if (!res.ok) throw new ConfigError("plugin loader", `fetching ${spec} failed: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const got = await sha256Hex(bytes);
  if (got !== want) {
    throw new ConfigError(
      "plugin loader",
      `integrity mismatch for ${spec}: expected sha256:${want}, got sha256:${got}; refusing to load`,
    );
  }
  let src: string;
  try {
    src = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError("plugin loader", `${spec} is not UTF-8 text; a plugin is a .ts or .js module`);
  }
  const imports = checkSelfContained(src, spec);
  const dir = resolve(opts.cacheDir ?? ".cache/plugins");
  const ext = /\.(m?js)$/.test(new URL(spec).pathname) ? ".js" : ".ts";
  const path = `${dir}/${got}${ext}`;
  // atomic: another process importing the same verified module never sees it half-written
  await writeFileAtomic(path, bytes);
  const changed = await recordVerified(dir, spec, got, imports).catch((e) => {
    console.error(`embedkit: could not update ${dir}/lock.json (${(e as Error).message})`);
    return undefined;
  });
  if (changed) console.error(`embedkit: note: ${changed}`);
  return toFileUrl(path).href;
}
