/**
 * Progress bars on stderr (never stdout, which carries results). Quiet when stderr is not a TTY
 * unless `EMBEDKIT_PROGRESS=1`, in which case it prints one line per 10 %.
 * @module
 */

const enc = new TextEncoder();

/** A progress reporter for `total` steps. */
export class Progress {
  #done = 0;
  #start = performance.now();
  #lastPct = -1;
  readonly #tty: boolean;
  readonly #enabled: boolean;

  /** `label` prefixes every line; `total` is the number of steps. */
  constructor(readonly label: string, readonly total: number, opts: { enabled?: boolean } = {}) {
    this.#tty = Deno.stderr.isTerminal();
    const env = safeEnv("EMBEDKIT_PROGRESS");
    this.#enabled = opts.enabled ?? (env === "0" ? false : this.#tty || env === "1");
  }

  /** Advances by `n` steps; `extra` (e.g. "loss 1.23") is shown after the bar. */
  tick(n = 1, extra = ""): void {
    this.#done += n;
    if (!this.#enabled) return;
    const frac = this.total > 0 ? Math.min(1, this.#done / this.total) : 1;
    const pct = Math.floor(frac * 100);
    const secs = (performance.now() - this.#start) / 1000;
    const rate = secs > 0 ? this.#done / secs : 0;
    if (this.#tty) {
      const w = 24;
      const bar = "#".repeat(Math.round(frac * w)).padEnd(w, ".");
      Deno.stderr.writeSync(
        enc.encode(
          `\r${this.label} [${bar}] ${this.#done}/${this.total} ${rate.toFixed(1)}/s ${extra}\x1b[K`,
        ),
      );
    } else if (Math.floor(pct / 10) !== Math.floor(this.#lastPct / 10)) {
      Deno.stderr.writeSync(enc.encode(`${this.label}: ${pct}% (${this.#done}/${this.total}) ${extra}\n`));
    }
    this.#lastPct = pct;
  }

  /** Ends the bar with a newline and a summary. */
  done(extra = ""): void {
    if (!this.#enabled) return;
    const secs = (performance.now() - this.#start) / 1000;
    const msg = `${this.label}: done ${this.#done}/${this.total} in ${secs.toFixed(1)} s ${extra}\n`;
    Deno.stderr.writeSync(enc.encode(this.#tty ? `\r${msg}` : msg));
  }
}

/** Writes one status line to stderr. */
export function status(msg: string): void {
  Deno.stderr.writeSync(enc.encode(msg + "\n"));
}

function safeEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
