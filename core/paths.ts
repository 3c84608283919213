/**
 * Path helpers, routed through the `#std/path` import-map alias (node:path here; @std/path on JSR).
 * @module
 */
import * as path from "#std/path";

export const { resolve, join, dirname, basename, extname, relative } = path;

/** File URL for an absolute path (what @std/path's toFileUrl gives). */
export function toFileUrl(p: string): URL {
  const u = new URL("file://");
  // the pathname setter escapes spaces, '?' and '#' but keeps '%': escape it so "a%41" stays "a%41"
  u.pathname = path.resolve(p).replaceAll("%", "%25");
  return u;
}

/** True when something exists at `p` (file or folder). */
export async function exists(p: string): Promise<boolean> {
  return await Deno.stat(p).then(() => true, () => false);
}

/** True when `p` is a folder. */
export async function isDir(p: string): Promise<boolean> {
  return await Deno.stat(p).then((s) => s.isDirectory, () => false);
}
