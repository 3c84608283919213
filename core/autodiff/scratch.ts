/**
 * Reusable scratch buffers for the hot paths of the fused ops (conv1d operand layouts, GEMM
 * operand transposes). Training a TDNN step touches tens of megabytes of such temporaries; taking
 * them fresh each step costs page faults and major GCs (a profile showed ~10% of a step in GC).
 *
 * A scratch buffer never carries information between calls: every user fills what it reads before
 * reading it, and uses it only inside one synchronous call (no op saves a scratch buffer for its
 * backward closure). This is a cache, not state: results do not depend on it.
 * @module
 */

const buffers = new Map<string, Float32Array>();

/**
 * A Float32Array of length `n` for temporary use under `key` (contents are stale: write before
 * reading). Two live temporaries need different keys; a later call with the same key reuses the
 * memory, so do not hold on to the result across calls of other ops.
 */
export function scratch(key: string, n: number): Float32Array {
  let b = buffers.get(key);
  if (!b || b.length < n) {
    // grow with slack so slowly growing sizes (e.g. longer segments) do not reallocate every time
    b = new Float32Array(Math.max(n, Math.ceil((b?.length ?? 0) * 1.25)));
    buffers.set(key, b);
  }
  return b.length === n ? b : b.subarray(0, n);
}

// Released buffers by length: the interior gradients of a training step and the arrays fused ops
// keep for their backward pass are tens of megabytes of short-lived memory; fresh allocations cost
// page faults (~1 ms per 3 MB on the benchmark machine) and major GCs. Bounded; a cache only.
const POOL_MIN = 1 << 14; // smaller arrays are cheap to allocate
const POOL_MAX_BYTES = 256 << 20;
const pool = new Map<number, Float32Array[]>();
let pooledBytes = 0;

/** A Float32Array of length n with STALE contents (a released buffer when one fits, else new). */
export function takeBuffer(n: number): Float32Array {
  const b = n >= POOL_MIN ? pool.get(n)?.pop() : undefined;
  if (!b) return new Float32Array(n);
  pooledBytes -= b.byteLength;
  return b;
}

/** A zero-filled Float32Array of length n (recycled when possible). */
export function takeZeroed(n: number): Float32Array {
  const b = n >= POOL_MIN ? pool.get(n)?.pop() : undefined;
  if (!b) return new Float32Array(n);
  pooledBytes -= b.byteLength;
  return b.fill(0);
}

/** Hands a buffer back for reuse; the caller must not touch it afterwards. */
export function releaseBuffer(b: Float32Array): void {
  if (b.length < POOL_MIN || b.byteOffset !== 0 || b.byteLength !== b.buffer.byteLength) return;
  if (pooledBytes + b.byteLength > POOL_MAX_BYTES) return;
  let list = pool.get(b.length);
  if (!list) pool.set(b.length, list = []);
  list.push(b);
  pooledBytes += b.byteLength;
}

/**
 * Drops every scratch and pooled buffer (tens of MB after training a TDNN), e.g. when a long-running
 * process is done training. Later calls allocate afresh.
 */
export function clearScratch(): void {
  buffers.clear();
  pool.clear();
  pooledBytes = 0;
}
