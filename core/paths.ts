/**
 * Path helpers, routed through the `#std/path` import-map alias (node:path here; @std/path on JSR).
 * @module
 */
import * as path from "#std/path";

export const { resolve, join, dirname, basename, extname, relative } = path;

/** File URL for an absolute path (what @std/path's toFileUrl gives). */
export function toFileUrl(p: string): URL {
  const u = new URL("file://");
  u.pathname = path.resolve(p);
  return u;
}
