/**
 * Checkpoints: model state dict, optimiser state, RNG states and counters in one binary file
 * (magic "EKCK1", u32 header length, JSON header, then float32 arrays), written atomically.
 * @module
 */
import { writeFileAtomic } from "../atomic.ts";
import type { StateDict } from "./module.ts";
import type { OptimizerState } from "./optim.ts";
import type { RngState } from "./rng.ts";

/** What a checkpoint holds. */
export interface Checkpoint {
  model: StateDict;
  optimizer?: OptimizerState;
  rng?: Record<string, RngState>;
  /** Counters and anything JSON (epoch, step, best metric, seeds...). */
  meta?: Record<string, unknown>;
}

const MAGIC = "EKCK1";

/** Serialises a checkpoint to bytes. */
export function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const arrays: { key: string; shape: number[]; data: Float32Array }[] = [];
  for (const [k, e] of Object.entries(ck.model)) {
    arrays.push({ key: `model/${k}`, shape: e.shape, data: e.data });
  }
  if (ck.optimizer) {
    for (const [k, d] of Object.entries(ck.optimizer.buffers)) {
      arrays.push({ key: `optim/${k}`, shape: [d.length], data: d });
    }
  }
  let off = 0;
  const index = arrays.map((a) => {
    const r = { key: a.key, shape: a.shape, offset: off, length: a.data.length };
    off += a.data.length;
    return r;
  });
  const header = {
    index,
    optimizer: ck.optimizer
      ? { kind: ck.optimizer.kind, lr: ck.optimizer.lr, step: ck.optimizer.step }
      : null,
    rng: ck.rng ?? {},
    meta: ck.meta ?? {},
  };
  const hb = new TextEncoder().encode(JSON.stringify(header));
  const pad = (4 - ((MAGIC.length + 4 + hb.length) % 4)) % 4;
  const start = MAGIC.length + 4 + hb.length + pad;
  const out = new Uint8Array(start + off * 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, hb.length + pad, true);
  out.set(hb, MAGIC.length + 4);
  out.fill(0x20, MAGIC.length + 4 + hb.length, start);
  const f = new Float32Array(out.buffer, start, off);
  arrays.forEach((a, i) => f.set(a.data, index[i].offset));
  return out;
}

/** Parses bytes from {@link encodeCheckpoint}; `what` names the file in errors. */
export function decodeCheckpoint(bytes: Uint8Array, what = "checkpoint"): Checkpoint {
  if (new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw new RangeError(`${what}: not an embedkit checkpoint (missing ${MAGIC} header)`);
  }
  const truncated = `${what}: truncated inside its header; the file is damaged, save it again`;
  if (bytes.length < MAGIC.length + 4) throw new RangeError(truncated);
  const hl = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4 + hl;
  if (start > bytes.length) throw new RangeError(truncated);
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, start)));
  } catch (e) {
    throw new RangeError(`${what}: damaged header (${(e as Error).message}); save the checkpoint again`);
  }
  const body = bytes.slice(start);
  const n = Math.floor(body.length / 4);
  const f = new Float32Array(body.buffer, 0, n);
  const model: StateDict = {};
  const buffers: Record<string, Float32Array> = {};
  for (const e of header.index as { key: string; shape: number[]; offset: number; length: number }[]) {
    if (e.offset + e.length > n) {
      throw new RangeError(`${what}: truncated (array '${e.key}' runs past the end)`);
    }
    const data = f.slice(e.offset, e.offset + e.length);
    if (e.key.startsWith("model/")) model[e.key.slice(6)] = { shape: e.shape, data };
    else buffers[e.key.slice(6)] = data;
  }
  return {
    model,
    optimizer: header.optimizer ? { ...header.optimizer, buffers } : undefined,
    rng: header.rng,
    meta: header.meta,
  };
}

/** Writes a checkpoint atomically. */
export async function saveCheckpoint(path: string, ck: Checkpoint): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(ck));
}

/** Reads a checkpoint. */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  return decodeCheckpoint(await Deno.readFile(path), path);
}
