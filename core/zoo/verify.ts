/**
 * Zoo model files are verified when they are LOADED, not only when pulled: a file changed in the models
 * folder after `models pull` (tampered, truncated, swapped) is refused with a message naming the sha256
 * mismatch and the command that re-pulls it.
 *
 * Hashing a 26 MB model takes ~0.1 s, so verified hashes are cached in `<models dir>/.verified.json`
 * keyed by absolute path with the file's size and modification time (a changed file misses the cache
 * and is hashed again). The cache is written by `models pull` / `models verify` and by loads that may
 * write there; the CLI tasks deny plugins write access to `.cache/models`, so neither the models nor
 * this cache can be changed by third-party code run through the tasks.
 * @module
 */
import { join, resolve } from "../paths.ts";
import { InputError } from "../errors.ts";
import { writeFileAtomic } from "../atomic.ts";
import { sha256File } from "./download.ts";

/** A zoo file whose sha256 is not what the catalog pins. */
export class ModelIntegrityError extends InputError {
  constructor(path: string, message: string) {
    super(path, message);
    this.name = "ModelIntegrityError";
  }
}

interface CacheEntry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

const CACHE = ".verified.json";

async function readCache(dir: string): Promise<Record<string, CacheEntry>> {
  try {
    const j = JSON.parse(await Deno.readTextFile(join(dir, CACHE)));
    return j && typeof j === "object" ? j : {};
  } catch {
    return {};
  }
}

/** Records a verified file in the cache; silently skipped where the folder is read-only to this process. */
export async function rememberVerified(dir: string, path: string, sha256: string): Promise<void> {
  try {
    const st = await Deno.stat(path);
    const cache = await readCache(dir);
    cache[resolve(path)] = { size: st.size, mtimeMs: st.mtime?.getTime() ?? 0, sha256 };
    await writeFileAtomic(join(dir, CACHE), JSON.stringify(cache, null, 1) + "\n");
  } catch { /* no write access (the CLI tasks deny it to plugins) or no folder: verify again next time */ }
}

/** What {@link verifyModelFile} checks a file against. */
export interface ExpectedModel {
  /** Zoo name, for the message and the re-pull command. */
  readonly name: string;
  /** Accepted sha256 values (hex); empty = nothing published (the file is used, with a note). */
  readonly sha256: readonly string[];
  /** How to get a good copy back (default: `deno task models pull NAME`). */
  readonly fix?: string;
}

/**
 * Checks `path` against the expected sha256 (cached by path, size, mtime in `<cacheDir>/.verified.json`);
 * throws {@link ModelIntegrityError} on a mismatch. Returns the hash and whether the cache answered.
 */
export async function verifyModelFile(
  path: string,
  expected: ExpectedModel,
  cacheDir: string,
): Promise<{ sha256: string; cached: boolean; verified: boolean }> {
  const st = await Deno.stat(path);
  const key = resolve(path);
  const hit = (await readCache(cacheDir))[key];
  if (
    hit && hit.size === st.size && hit.mtimeMs === (st.mtime?.getTime() ?? 0) &&
    expected.sha256.includes(hit.sha256)
  ) {
    return { sha256: hit.sha256, cached: true, verified: true };
  }
  const sha256 = await sha256File(path);
  if (expected.sha256.length === 0) return { sha256, cached: false, verified: false };
  if (!expected.sha256.includes(sha256)) {
    throw new ModelIntegrityError(
      path,
      `sha256 mismatch for zoo model '${expected.name}': expected ${
        expected.sha256.join(" or ")
      }, got ${sha256} ` +
        `(${st.size} bytes); the file was changed after it was installed and is NOT loaded. ` +
        (expected.fix ?? `Re-pull it: deno task models pull ${expected.name}`),
    );
  }
  await rememberVerified(cacheDir, path, sha256);
  return { sha256, cached: false, verified: true };
}

/** What {@link verifyModelFolder} checks a folder against. */
export interface ExpectedFolder {
  /** Zoo name, for the message. */
  readonly name: string;
  /** Path in the folder -> expected sha256 (every one must be present and match). */
  readonly files: Readonly<Record<string, string>>;
  /** How to get a good copy back. */
  readonly fix: string;
}

/**
 * Checks every listed file of a model folder ({@link verifyModelFile} each, cached the same way); a
 * missing or changed file throws {@link ModelIntegrityError} naming it.
 */
export async function verifyModelFolder(
  dir: string,
  expected: ExpectedFolder,
  cacheDir: string,
): Promise<void> {
  for (const [rel, sha256] of Object.entries(expected.files)) {
    const path = join(dir, rel);
    const there = await Deno.stat(path).then((s) => s.isFile, () => false);
    if (!there) {
      throw new ModelIntegrityError(
        path,
        `file '${rel}' of zoo model '${expected.name}' is missing; the model is NOT loaded. ${expected.fix}`,
      );
    }
    await verifyModelFile(path, { name: expected.name, sha256: [sha256], fix: expected.fix }, cacheDir);
  }
}
