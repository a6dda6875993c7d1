// "Reconnect automatically": after a close the user did not ask for, try again
// after a randomly jittered, exponentially growing wait, and give up after a
// bounded number of failures in a row. Full jitter (a uniformly random wait up
// to the exponential bound) spreads out the clients of a restarted server, so
// they do not all come back in the same instant.

/** The limits, stated on the page (index.html, #reconnect-hint) and in docs/test-page.md. */
export const RECONNECT_LIMITS = Object.freeze({
  /** The bound of the first wait. */
  baseMs: 500,
  /** Each failed attempt multiplies the bound by this. */
  factor: 2,
  /** The bound never passes this. */
  capMs: 30_000,
  /** Failed attempts in a row before giving up; a connection that opens starts the count again. */
  maxAttempts: 10,
});

/**
 * The wait before attempt `attempt` (1 for the first): uniformly random in
 * [0, min(capMs, baseMs * factor^(attempt - 1))).
 * @param {number} attempt
 * @param {() => number} [random]
 */
export function backoffDelay(attempt, random = Math.random) {
  const { baseMs, factor, capMs } = RECONNECT_LIMITS;
  return random() * Math.min(capMs, baseMs * factor ** (attempt - 1));
}

/**
 * The state of one run of attempts. It decides when; the page connects and
 * says so in the log.
 */
export class Reconnector {
  /** Attempts made since a connection last opened. */
  #attempts = 0;
  #timer = 0;
  #retry;

  /** @param {() => void} retry connects again */
  constructor(retry) {
    this.#retry = retry;
  }

  /** A wait is running, or an attempt is connecting: there is something to stop. */
  get active() {
    return this.#timer !== 0 || this.#attempts > 0;
  }

  get attempts() {
    return this.#attempts;
  }

  /** A connection opened: the next close starts from the first attempt again. */
  opened() {
    this.#attempts = 0;
  }

  /**
   * Schedules the next attempt after a close nobody asked for.
   * @returns {{ attempt: number, delayMs: number } | undefined} undefined when it gives up
   */
  schedule() {
    clearTimeout(this.#timer);
    this.#timer = 0;
    if (this.#attempts >= RECONNECT_LIMITS.maxAttempts) {
      this.#attempts = 0;
      return undefined;
    }
    const attempt = ++this.#attempts;
    const delayMs = backoffDelay(attempt);
    this.#timer = setTimeout(() => {
      this.#timer = 0;
      this.#retry();
    }, delayMs);
    return { attempt, delayMs };
  }

  /** No more attempts (the user's Stop, Connect or Close). */
  stop() {
    clearTimeout(this.#timer);
    this.#timer = 0;
    this.#attempts = 0;
  }
}
