/**
 * The digest of a model folder: sha256 of its `sha256sum`-style listing, one "<sha256>  <path>\n" line
 * per file, sorted by path (so `sha256sum $(find . -type f | sort) | sed 's|  ./|  |' | sha256sum` gives
 * the same value). It names a folder's exact content in one hash, as a single file's sha256 does.
 * @module
 */
import { sha256Text } from "../hash.ts";

/** sha256 of the sorted listing of `files` (path relative to the folder -> sha256). */
export function folderDigest(files: Readonly<Record<string, string>>): Promise<string> {
  const lines = Object.keys(files).sort().map((p) => `${files[p]}  ${p}\n`);
  return sha256Text(lines.join(""));
}
