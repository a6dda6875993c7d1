import { SlotList } from "./slot-list.ts";

/** `KeptAlive.#lastPing` once the peer missed its deadline. */
const TIMED_OUT = Number.NEGATIVE_INFINITY;

/**
 * A connection kept alive by `KeepAlive`: the echo's connection extends this
 * class, so the keep-alive state lives on the connection itself (as
 * `ws.isAlive` does in `ws`'s heartbeat example): a record of its own per
 * connection cost far more memory per idle connection than its few bytes of
 * heap (docs/benchmark-notes.md); and the state is one field, not two, since
 * an object's fields decide its size class (see ./echo.ts).
 */
export abstract class KeptAlive {
  /** `KeepAlive`'s own bookkeeping (its index in a `SlotList`): -1 while not watched. */
  keepAliveSlot = -1;
  /**
   * When the last ping went out, or the watch began (ms since the epoch):
   * negated while that ping awaits its pong, TIMED_OUT once the pong is late.
   */
  #lastPing = 0;

  /** Sends a ping frame to the peer. */
  protected abstract sendPing(): void;

  /** No pong within the timeout after a ping: the peer is gone. Called once. */
  abstract onKeepAliveTimeout(): void;

  /** A pong arrived: the outstanding ping, if any, is answered (the adapters call it, see `PongEvents`). */
  onPong(): void {
    if (this.#lastPing < 0 && this.#lastPing !== TIMED_OUT) this.#lastPing = -this.#lastPing;
  }

  /** Whether the peer missed a pong deadline: its connection is being dropped without a closing handshake. */
  get timedOut(): boolean {
    return this.#lastPing === TIMED_OUT;
  }

  /** `KeepAlive`'s timer: the interval starts now. */
  startBeating(now: number): void {
    this.#lastPing = now;
  }

  /** `KeepAlive`'s tick: pings when the interval has passed; true when the peer missed its deadline. */
  beat(now: number, interval: number, timeout: number): boolean {
    const last = this.#lastPing;
    if (last === TIMED_OUT) return false;
    if (last < 0) {
      // One outstanding ping at a time: its deadline, not a newer ping's, decides.
      if (now + last < timeout) return false;
      this.#lastPing = TIMED_OUT;
      return true;
    }
    if (now - last >= interval) {
      // With no timeout no pong is awaited.
      this.#lastPing = timeout > 0 ? -now : now;
      this.sendPing();
    }
    return false;
  }
}

/**
 * Pings every peer every `interval` ms and drops one that sends no pong within
 * `timeout` ms of a ping (ASP.NET Core's KeepAliveInterval and
 * KeepAliveTimeout); the pings also keep proxies from closing an idle
 * connection. 0 turns either off.
 *
 * One timer serves all of an app's connections, as in `ws`'s heartbeat
 * example: a timer and its closures per connection cost memory at 10,000
 * connections (docs/benchmark-notes.md). It ticks at a quarter of the
 * shorter of the two durations, so a ping or a verdict is at most that late.
 */
export class KeepAlive {
  readonly #interval: number;
  readonly #timeout: number;
  readonly #tick: number;
  readonly #watched = new SlotList<"keepAliveSlot", KeptAlive>("keepAliveSlot");
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor({ interval, timeout }: { interval: number; timeout: number }) {
    this.#interval = interval;
    this.#timeout = timeout;
    this.#tick = Math.max(1, Math.floor(Math.min(interval, timeout > 0 ? timeout : interval) / 4));
  }

  /**
   * Starts pinging a connection whose runtime can ping; it hears once if its
   * peer stops answering (`onKeepAliveTimeout`). Nothing when the interval is 0.
   */
  watch(connection: KeptAlive): void {
    if (this.#interval <= 0) return;
    connection.startBeating(Date.now());
    this.#watched.add(connection);
    this.#timer ??= setInterval(() => this.#check(), this.#tick);
  }

  /** Stops watching (the connection closed); the timer stops with the last one. */
  unwatch(connection: KeptAlive): void {
    if (!this.#watched.delete(connection) || this.#watched.size > 0 || this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    const now = Date.now();
    for (const connection of this.#watched.snapshot()) {
      if (connection.keepAliveSlot < 0) continue; // unwatched by an earlier one's timeout in this tick
      try {
        if (!connection.beat(now, this.#interval, this.#timeout)) continue;
        this.unwatch(connection);
        connection.onKeepAliveTimeout();
      } catch {
        // A socket closing under us (ping on a closing socket throws in `ws`):
        // its close event ends the watch; the other connections go on.
      }
    }
  }
}
