/**
 * Compiles the WASM kernels from the base64 modules the asm build emits (asm/build/<name>_wasm.ts),
 * synchronously and once per process. Synchronous compilation is fine for these small modules
 * (under 10 KB), and keeps fbank() and the distance functions plain synchronous calls.
 * @module
 */

const cache = new Map<string, WebAssembly.Module>();

/** The compiled module `name` (cached). Throws a clear error where WebAssembly SIMD is unavailable. */
export function wasmModule(name: string, base64: string): WebAssembly.Module {
  let m = cache.get(name);
  if (!m) {
    const bin = atob(base64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    try {
      m = new WebAssembly.Module(bytes);
    } catch (e) {
      throw new Error(
        `embedkit: cannot compile the ${name} WASM kernel (${(e as Error).message}); ` +
          "this runtime needs WebAssembly SIMD (Deno, Node >= 16.4, current browsers); rebuild with `deno task build:asm`",
      );
    }
    cache.set(name, m);
  }
  return m;
}
