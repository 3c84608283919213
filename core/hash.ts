/**
 * Hashes used across embedkit: SHA-256 (Web Crypto) of bytes and text for content identity (model
 * files, audio, cache keys), and FNV-1a for cheap 32-bit checksums and per-name seeds.
 * @module
 */

/** SHA-256 hex of bytes. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 hex of a string's UTF-8 bytes. */
export function sha256Text(text: string): Promise<string> {
  return sha256Hex(new TextEncoder().encode(text));
}

/** FNV-1a (32-bit) of a string's UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * FNV-1a over the float32 words of samples: every sample's bits go in, so a change anywhere in
 * in-memory audio changes the checksum (cache keys of stages that read it).
 */
export function samplesChecksum(x?: Float32Array): number {
  if (!x) return 0;
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ bits[i], 0x01000193);
  return h >>> 0;
}
