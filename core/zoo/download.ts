/**
 * Resumable, verified downloads: bytes go to `<dest>.part`; an interrupted download resumes with an
 * HTTP Range request; the finished file's sha256 (and size) is checked before an atomic rename to
 * `dest`. A corrupted download is deleted (never renamed into place); an offline machine gets an error
 * that says how to install the file by hand.
 * @module
 */
import { dirname } from "../paths.ts";
import { sha256Hex } from "../hash.ts";

/** Options for {@link download}. */
export interface DownloadOptions {
  /** Expected sha256 hex; null = unknown (the computed hash is returned and a warning logged). */
  readonly sha256: string | null;
  readonly size?: number;
  /** Progress callback: bytes so far, total when known. */
  readonly onProgress?: (done: number, total: number | undefined) => void;
  readonly log?: (msg: string) => void;
  /** Injected fetch (tests). */
  readonly fetch?: typeof fetch;
}

/** Outcome of a download. */
export interface DownloadResult {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Bytes that were already on disk from an earlier attempt. */
  readonly resumedFrom: number;
  readonly verified: boolean;
}

/** sha256 hex of a file (models are tens of MB: read whole, digested by Web Crypto). */
export async function sha256File(path: string): Promise<string> {
  return await sha256Hex(await Deno.readFile(path));
}

/** Raised when the network cannot be reached or the server refuses; says how to install by hand. */
export class DownloadError extends Error {
  constructor(readonly url: string, message: string, options?: ErrorOptions) {
    super(`${url}: ${message}`, options);
    this.name = "DownloadError";
  }
}

/** Downloads `url` to `dest`, resuming `<dest>.part`, verifying, then renaming atomically. */
export async function download(url: string, dest: string, o: DownloadOptions): Promise<DownloadResult> {
  const f = o.fetch ?? fetch;
  const part = `${dest}.part`;
  await Deno.mkdir(dirname(dest), { recursive: true });
  let have = 0;
  try {
    have = (await Deno.stat(part)).size;
  } catch { /* fresh start */ }
  if (o.size !== undefined && have > o.size) {
    await Deno.remove(part);
    have = 0;
  }
  const headers: Record<string, string> = have > 0 ? { Range: `bytes=${have}-` } : {};
  let res: Response;
  try {
    res = await f(url, { headers });
  } catch (e) {
    throw new DownloadError(
      url,
      `cannot reach the server (${
        (e as Error).message
      }); are you offline? Download the file elsewhere, put it at ${dest} and run 'models verify'`,
      { cause: e },
    );
  }
  let resumedFrom = 0;
  let total: number | undefined;
  if (res.status === 416 && have > 0) {
    await res.body?.cancel(); // the .part already holds everything: verify it below
    resumedFrom = have;
  } else if (res.status === 206 && have > 0) {
    const m = /bytes (\d+)-\d+\/(\d+|\*)/.exec(res.headers.get("content-range") ?? "");
    if (!m || Number(m[1]) !== have) {
      await res.body?.cancel();
      await Deno.remove(part).catch(() => {});
      throw new DownloadError(
        url,
        `server resumed at the wrong offset (${
          res.headers.get("content-range")
        }); the partial file was removed, run pull again`,
      );
    }
    resumedFrom = have;
    total = m[2] === "*" ? undefined : Number(m[2]);
  } else if (res.ok) {
    if (have > 0) o.log?.(`${url}: server ignored the Range request; starting over`);
    have = 0;
    const len = res.headers.get("content-length");
    total = len ? Number(len) : undefined;
  } else {
    await res.body?.cancel();
    throw new DownloadError(url, `HTTP ${res.status} ${res.statusText}`);
  }
  total ??= o.size;

  if (res.status !== 416) {
    const file = await Deno.open(part, { create: true, write: true, append: have > 0, truncate: have === 0 });
    let done = have;
    try {
      for await (const chunk of res.body!) {
        for (let off = 0; off < chunk.length;) off += await file.write(chunk.subarray(off));
        done += chunk.length;
        o.onProgress?.(done, total);
      }
    } catch (e) {
      throw new DownloadError(
        url,
        `download interrupted at ${done}${total ? ` of ${total}` : ""} bytes (${
          (e as Error).message
        }); run pull again to resume`,
        {
          cause: e,
        },
      );
    } finally {
      file.close();
    }
    if (total !== undefined && done < total) {
      throw new DownloadError(
        url,
        `download interrupted at ${done} of ${total} bytes; run pull again to resume`,
      );
    }
  }
  const size = (await Deno.stat(part)).size;
  const sha = await sha256File(part);
  const badSize = o.size !== undefined && size !== o.size;
  if ((o.sha256 && sha !== o.sha256) || badSize) {
    await Deno.remove(part).catch(() => {});
    throw new DownloadError(
      url,
      `checksum mismatch: expected sha256 ${o.sha256}${
        o.size ? ` (${o.size} bytes)` : ""
      }, got ${sha} (${size} bytes); the corrupt file was removed, run pull again`,
    );
  }
  if (!o.sha256) {
    o.log?.(`${url}: no published sha256 to check against; computed ${sha} (recorded, not verified)`);
  }
  await Deno.rename(part, dest);
  return { path: dest, bytes: size, sha256: sha, resumedFrom, verified: Boolean(o.sha256) };
}
