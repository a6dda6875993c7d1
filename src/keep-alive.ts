import type { SocketControl } from "./socket-control.ts";

/** What `KeepAlive` tells a connection whose peer stopped answering. */
export interface KeptAlive {
  onKeepAliveTimeout(): void;
}

/** One connection's keep-alive state, from `KeepAlive.watch`. */
export class Heartbeat {
  /** When the unanswered ping went out (ms since the epoch); 0 when none is outstanding. */
  pingSentAt = 0;
  lastPingAt: number;

  constructor(readonly control: SocketControl, readonly connection: KeptAlive, now: number) {
    this.lastPingAt = now;
  }

  /** A pong arrived: the outstanding ping, if any, is answered. */
  pong(): void {
    this.pingSentAt = 0;
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
 * connections (see the README's benchmarks). It ticks at a quarter of the
 * shorter of the two durations, so a ping or a verdict is at most that late.
 */
export class KeepAlive {
  readonly #interval: number;
  readonly #timeout: number;
  readonly #tick: number;
  readonly #beats = new Set<Heartbeat>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor({ interval, timeout }: { interval: number; timeout: number }) {
    this.#interval = interval;
    this.#timeout = timeout;
    this.#tick = Math.max(1, Math.floor(Math.min(interval, timeout > 0 ? timeout : interval) / 4));
  }

  /**
   * Starts pinging the peer behind `control`; the connection hears once if it
   * stops answering, and passes pongs to the heartbeat (`Heartbeat.pong`).
   * Undefined when the interval is 0 or the runtime cannot ping.
   */
  watch(control: SocketControl, connection: KeptAlive): Heartbeat | undefined {
    if (!control.ping || this.#interval <= 0) return undefined;
    const beat = new Heartbeat(control, connection, Date.now());
    this.#beats.add(beat);
    this.#timer ??= setInterval(() => this.#check(), this.#tick);
    return beat;
  }

  /** Stops watching (the connection closed); the timer stops with the last one. */
  unwatch(beat: Heartbeat | undefined): void {
    if (beat === undefined || !this.#beats.delete(beat) || this.#beats.size > 0 || this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    const now = Date.now();
    for (const beat of this.#beats) {
      try {
        if (beat.pingSentAt > 0) {
          // One outstanding ping at a time: its deadline, not a newer ping's, decides.
          if (now - beat.pingSentAt < this.#timeout) continue;
          this.unwatch(beat);
          beat.connection.onKeepAliveTimeout();
        } else if (now - beat.lastPingAt >= this.#interval) {
          beat.lastPingAt = now;
          if (this.#timeout > 0) beat.pingSentAt = now;
          beat.control.ping!();
        }
      } catch {
        // A socket closing under us (ping on a closing socket throws in `ws`):
        // its close event ends the watch; the other connections go on.
      }
    }
  }
}
