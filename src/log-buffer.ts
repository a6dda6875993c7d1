/**
 * How long a line waits for others to share its write. In a burst of
 * handshakes each turn of the event loop logs only a few lines, and a write
 * per turn was still a write system call per two or three lines
 * (docs/benchmark-notes.md); 20 ms is no delay anyone reading a log sees.
 */
export const LOG_BATCH_MS = 20;

/**
 * Log lines written in batches: the lines of a LOG_BATCH_MS window go out
 * in one write. A server logs a line at every WebSocket open and close,
 * and on Node, Deno and Bun each `console.log` to a pipe or file is a write
 * system call of its own, about a tenth of a handshake's CPU on Node
 * (docs/benchmark-notes.md). No line is lost: a warning or an error flushes
 * the batch and goes out at once, behind the lines before it, and the entry
 * points flush on exit, on SIGTERM and on a crash (`flushOnExit` in each
 * `src/<runtime>/server.ts`).
 */
export class LogBuffer {
  readonly #out: (text: string) => void;
  readonly #maxLines: number;
  #lines: string[] = [];
  #scheduled = false;

  /**
   * `out` writes several lines at once, joined with "\n", and ends them as
   * `console.log` does. More than `maxLines` waiting are written at once, so
   * a burst's batch stays bounded in memory.
   */
  constructor(out: (text: string) => void = console.log, maxLines = 256) {
    this.#out = out;
    this.#maxLines = maxLines;
  }

  /** Queues a line for the next flush (the logger's debug and info). */
  readonly write = (line: string): void => {
    this.#lines.push(line);
    if (this.#lines.length >= this.#maxLines) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      // A timer, not a microtask: the handshakes of a burst each run in a
      // task of their own, and share the batch.
      setTimeout(this.#flushScheduled, LOG_BATCH_MS);
    }
  };

  /** Writes the queued lines, then this one, now (the logger's warn and error). */
  readonly writeNow = (line: string): void => {
    this.#lines.push(line);
    this.flush();
  };

  /** Writes every queued line now. */
  readonly flush = (): void => {
    if (this.#lines.length === 0) return;
    const lines = this.#lines;
    this.#lines = [];
    this.#out(lines.length === 1 ? lines[0]! : lines.join("\n"));
  };

  /** Lines waiting for the next flush. */
  get pending(): number {
    return this.#lines.length;
  }

  readonly #flushScheduled = (): void => {
    this.#scheduled = false;
    this.flush();
  };
}
