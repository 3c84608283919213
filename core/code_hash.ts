/**
 * Hashes of code, for cache keys that notice code changes: a module's source and every local module
 * it imports (relative specifiers, followed transitively). Bare, `npm:`, `jsr:` and alias specifiers
 * count by their text (their versions are pinned in deno.json and deno.lock). Remote (https) modules
 * cannot be read without network access, so they count by their URL and, when given, their pinned
 * integrity.
 * @module
 */
import { sha256Text } from "./hash.ts";

/** The package version (kept equal to deno.json's by tests/registry_test.ts). */
export const VERSION = "0.2.0";

const graphHashes = new Map<string, Promise<string>>();

/** Import and export specifiers of a module's source (static and literal dynamic imports). */
export function importSpecifiers(source: string): string[] {
  const out = new Set<string>();
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) out.add(m[1]);
  return [...out];
}

const fileFacts = new Map<string, Promise<{ hash: string; specifiers: string[] }>>();

/** One module's own source hash and import specifiers (memoised: shared modules are read once). */
function factsOf(url: URL): Promise<{ hash: string; specifiers: string[] }> {
  let f = fileFacts.get(url.href);
  if (!f) {
    f = Deno.readTextFile(url).then(
      async (text) => ({ hash: await sha256Text(text), specifiers: importSpecifiers(text) }),
      (e) => ({ hash: `unreadable: ${(e as Error).name}`, specifiers: [] }),
    );
    fileFacts.set(url.href, f);
  }
  return f;
}

async function collect(url: URL, files: Map<string, string>, external: Set<string>): Promise<void> {
  if (files.has(url.href)) return;
  files.set(url.href, "");
  const { hash, specifiers } = await factsOf(url);
  files.set(url.href, hash);
  for (const s of specifiers) {
    if (s.startsWith("./") || s.startsWith("../") || s.startsWith("file:")) {
      await collect(new URL(s, url), files, external);
    } else external.add(s);
  }
}

/**
 * SHA-256 over a module's source and the sources of every local module it imports, transitively
 * (memoised per URL for the process). Non-file URLs hash as their URL text.
 */
export function moduleGraphHash(moduleUrl: string): Promise<string> {
  let p = graphHashes.get(moduleUrl);
  if (!p) {
    p = (async () => {
      const url = new URL(moduleUrl);
      if (url.protocol !== "file:") return await sha256Text(`url:${moduleUrl}`);
      const files = new Map<string, string>(), external = new Set<string>();
      await collect(url, files, external);
      const root = url.href.slice(0, url.href.lastIndexOf("/") + 1);
      const lines = [...files].map(([u, h]) => `${u.startsWith(root) ? u.slice(root.length) : u} ${h}`);
      return await sha256Text([...lines.sort(), ...[...external].sort()].join("\n"));
    })();
    graphHashes.set(moduleUrl, p);
  }
  return p;
}

/** Forgets memoised hashes (tests that edit a module and re-hash it in one process). */
export function clearCodeHashes(): void {
  graphHashes.clear();
  fileFacts.clear();
}
