/**
 * Where zoo models live on disk and the pull / verify operations the CLI runs.
 * Default folder: $EMBEDKIT_MODELS or `.cache/models` in the working directory. Every file handed out
 * for loading ({@link installedPath}) is checked against the catalog's sha256 first (core/zoo/verify.ts).
 * @module
 */
import { join } from "../paths.ts";
import { ZOO, type ZooModel, zooModel } from "./catalog.ts";
import { download, DownloadError, type DownloadResult, sha256File } from "./download.ts";
import { rememberVerified, verifyModelFile, verifyModelFolder } from "./verify.ts";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** The models folder. */
export function modelsDir(): string {
  try {
    return Deno.env.get("EMBEDKIT_MODELS") || ".cache/models";
  } catch {
    return ".cache/models";
  }
}

/** Where a zoo model's file is (or would be) installed. */
export function modelPath(m: ZooModel, dir = modelsDir()): string {
  return join(dir, m.file);
}

/**
 * Path of a bundled model file (shipped in an npm package or in embedkit itself), or undefined when the
 * package is not installed or embedkit runs from a non-file URL (e.g. JSR over https).
 */
export function bundledPath(m: ZooModel): string | undefined {
  if (!m.bundled) return undefined;
  if (!m.bundled.npm) {
    const url = new URL(m.bundled.path, import.meta.url);
    return url.protocol === "file:" ? fileURLToPath(url) : undefined;
  }
  try {
    return createRequire(import.meta.url).resolve(
      `${m.bundled.npm.replace(/@[^@/]+$/, "")}/${m.bundled.path}`,
    );
  } catch {
    return undefined;
  }
}

/** State of one zoo model for `models list`. */
export interface ModelStatus {
  readonly name: string;
  readonly kind: string;
  readonly installed: string | null;
  readonly checksum: "published" | "none";
  readonly frontend: string | null;
  readonly description: string;
}

/**
 * The file to load for a zoo model: the downloaded one, else a bundled one; undefined when neither
 * exists. The file's sha256 is checked against the catalog (cached by path, size and mtime) unless
 * `verify: false`; a mismatch throws a ModelIntegrityError that says how to re-pull.
 */
export async function installedPath(
  m: ZooModel,
  dir = modelsDir(),
  opts: { verify?: boolean } = {},
): Promise<string | undefined> {
  const path = modelPath(m, dir);
  // a folder model (bundled.files) only ships with embedkit: nothing downloaded stands in for it
  const downloaded = !m.bundled?.files && await Deno.stat(path).then(() => true, () => false);
  const found = downloaded ? path : bundledPath(m);
  if (!found || opts.verify === false) return found;
  if (m.bundled?.files) {
    await verifyModelFolder(found, { name: m.name, files: m.bundled.files, fix: bundledFix(m) }, dir);
  } else if (downloaded) {
    await verifyModelFile(found, { name: m.name, sha256: m.sources.flatMap((s) => s.sha256 ?? []) }, dir);
  } else {
    await verifyModelFile(found, {
      name: m.name,
      sha256: [m.bundled!.sha256],
      fix: bundledFix(m),
    }, dir);
  }
  return found;
}

function bundledFix(m: ZooModel): string {
  return m.bundled!.npm
    ? `It ships in the npm package ${m.bundled!.npm}: reinstall it (delete node_modules and run any task)`
    : `It ships with embedkit: restore it from git (git checkout -- core/zoo/${m.bundled!.path})`;
}

/** Lists the zoo with what is installed. */
export async function listModels(dir = modelsDir()): Promise<ModelStatus[]> {
  const out: ModelStatus[] = [];
  for (const m of ZOO) {
    const installed = (await installedPath(m, dir, { verify: false })) ?? null;
    out.push({
      name: m.name,
      kind: m.kind,
      installed,
      checksum: m.sources.every((s) => s.sha256) ? "published" : "none",
      frontend: m.frontend,
      description: m.description,
    });
  }
  return out;
}

/** Downloads a zoo model, trying its sources in order; returns the first success. */
export async function pullModel(
  name: string,
  o: {
    dir?: string;
    fetch?: typeof fetch;
    log?: (s: string) => void;
    onProgress?: (d: number, t?: number) => void;
    sources?: ZooModel["sources"];
  } = {},
): Promise<DownloadResult & { url: string }> {
  const m = zooModel(name);
  const dest = modelPath(m, o.dir);
  if (m.sources.length === 0) {
    const shipped = bundledPath(m);
    throw new DownloadError(
      name,
      shipped ? `ships with embedkit at ${shipped}; nothing to download` : "has no download source",
    );
  }
  const errors: string[] = [];
  for (const s of o.sources ?? m.sources) {
    try {
      const r = await download(s.url, dest, {
        sha256: s.sha256,
        size: s.size,
        fetch: o.fetch,
        log: o.log,
        onProgress: o.onProgress,
      });
      if (r.verified) await rememberVerified(o.dir ?? modelsDir(), r.path, r.sha256);
      return { ...r, url: s.url };
    } catch (e) {
      if (!(e instanceof DownloadError)) throw e;
      errors.push(e.message);
      o.log?.(`pull ${name}: ${e.message}`);
    }
  }
  throw new DownloadError(name, `every source failed:\n  - ${errors.join("\n  - ")}`);
}

/** Result of verifying one installed file. */
export interface VerifyResult {
  readonly name: string;
  readonly path: string;
  readonly sha256: string;
  readonly status: "ok" | "mismatch" | "unverifiable" | "missing";
}

/** Re-hashes installed models (and bundled ones) against the catalog. */
export async function verifyModels(names?: string[], dir = modelsDir()): Promise<VerifyResult[]> {
  const out: VerifyResult[] = [];
  for (const m of names?.length ? names.map(zooModel) : ZOO) {
    const candidates: [string, (string | null)[]][] = m.bundled?.files
      ? []
      : [[modelPath(m, dir), m.sources.map((s) => s.sha256)]];
    const b = bundledPath(m);
    if (b && m.bundled?.files) {
      // a folder model: each of its files
      for (const [rel, sha] of Object.entries(m.bundled.files)) candidates.push([join(b, rel), [sha]]);
    } else if (b) candidates.push([b, [m.bundled!.sha256]]);
    let any = false;
    for (const [path, expected] of candidates) {
      let sha: string;
      try {
        sha = await sha256File(path);
      } catch {
        continue;
      }
      any = true;
      const known = expected.filter((e): e is string => Boolean(e));
      if (known.includes(sha)) await rememberVerified(dir, path, sha);
      out.push({
        name: m.name,
        path,
        sha256: sha,
        status: known.length === 0 ? "unverifiable" : known.includes(sha) ? "ok" : "mismatch",
      });
    }
    if (!any && names?.length) {
      out.push({ name: m.name, path: modelPath(m, dir), sha256: "", status: "missing" });
    }
  }
  return out;
}
