/**
 * The PyTorch anchor of the training benches as a server (bench/train_bench.py, bench/text_train_bench.py
 * with `--serve`): Debian's /usr/bin/python3 on one BLAS/OpenMP thread, one JSON line on stdout per
 * request line on stdin, the first being `{"ready": <torch version>}`. Staying up between requests lets
 * the benches alternate rounds with ours, so paired rounds see the same load on a shared machine.
 * @module
 */

/** A running server: requests go in as lines, replies come back as JSON lines. */
export interface TorchServer {
  readonly child: Deno.ChildProcess;
  /** The next reply line, parsed (throws when the process has ended). */
  reply(): Promise<Record<string, unknown>>;
  /** Sends one request line. */
  send(request: string): Promise<void>;
  /** Closes stdin (the server exits at its end) and stops reading replies. */
  end(): Promise<void>;
}

/** Starts `script` (next to this file) with `args`; `stderr` inherited or piped for the caller to read. */
export function startTorchServer(
  script: string,
  args: readonly string[],
  stderr: "inherit" | "piped",
): TorchServer {
  const child = new Deno.Command("/usr/bin/python3", {
    args: [new URL(`./${script}`, import.meta.url).pathname, "--serve", ...args],
    env: { OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr,
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const writer = child.stdin.getWriter();
  const enc = new TextEncoder();
  let buf = "";
  return {
    child,
    async reply() {
      while (!buf.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) throw new Error("PyTorch process ended");
        buf += value;
      }
      const i = buf.indexOf("\n");
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      return JSON.parse(line);
    },
    send: (request) => writer.write(enc.encode(`${request}\n`)),
    async end() {
      await writer.close();
      await lines.cancel();
    },
  };
}
