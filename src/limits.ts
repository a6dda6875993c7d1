/**
 * The abuse limits (issue 26), free of any runtime: connections per client
 * (MAX_CONNECTIONS_PER_CLIENT), a message rate per connection
 * (MAX_MESSAGES_PER_SECOND) and an idle deadline (IDLE_TIMEOUT_MS). The
 * handshake deadline (HANDSHAKE_TIMEOUT_MS) belongs to each runtime's HTTP
 * server: see src/<runtime>/ and docs/security.md.
 *
 * Models: Kestrel's MaxConcurrentConnections, per client here; ASP.NET Core's
 * token bucket rate limiter (TokenLimit = TokensPerPeriod = the rate,
 * replenished continuously rather than once a period); its rejection, 429
 * with Retry-After.
 *
 * With every limit at its default (0) nothing here runs per message: an app
 * makes no per-connection state and the echo's message path is unchanged.
 */
import { AddressList, clientAddress } from "./client-address.ts";
import type { Refusal } from "./handshake.ts";
import type { EchoOptions } from "./options.ts";
import { SlotList } from "./slot-list.ts";

/** Seconds a client refused for having too many connections is told to wait (as for MAX_CONNECTIONS' 503). */
export const RETRY_AFTER_SECONDS = 5;

export type LimitOptions = Pick<
  EchoOptions,
  "maxConnectionsPerClient" | "trustedProxies" | "maxMessagesPerSecond" | "idleTimeout"
>;

/**
 * How long a handshake accepted for a client counts against it before its
 * connection opens. On Deno the open event comes only after the 101 is on
 * the wire, so counting open connections alone let 50 parallel handshakes
 * from one address all pass a limit of 5; an accepted handshake is therefore
 * counted at once. One that never becomes a connection (the client left
 * mid-upgrade, the runtime refused the upgrade after our checks) fires no
 * event that would release it, so its count lapses after this long.
 */
export const PENDING_HANDSHAKE_MS = 10_000;

interface ClientCount {
  open: number;
  /** Handshakes accepted whose connection has not opened yet. */
  pending: number;
  /** When the newest of those was accepted: all of them lapse PENDING_HANDSHAKE_MS later. */
  pendingAt: number;
}

/** Connections per client address, for MAX_CONNECTIONS_PER_CLIENT: open ones and accepted handshakes. */
export class ClientConnections {
  readonly #max: number;
  readonly #counts = new Map<string, ClientCount>();
  #sweptAt = 0;

  constructor(max: number) {
    this.#max = max;
  }

  /** What counts against `client` at `now`: its open connections and its handshakes not yet lapsed. */
  count(client: string, now = Date.now()): number {
    const count = this.#counts.get(client);
    if (count === undefined) return 0;
    return count.open + (now - count.pendingAt < PENDING_HANDSHAKE_MS ? count.pending : 0);
  }

  /** Clients with something counted; an address with nothing takes no memory once swept. */
  get clients(): number {
    return this.#counts.size;
  }

  /** 429 with Retry-After when `client` is at the maximum; otherwise the handshake is counted (`reserve`). */
  admit(client: string, now = Date.now()): Refusal | undefined {
    if (this.count(client, now) >= this.#max) {
      return {
        status: 429,
        reason: `too many connections from ${client} (MAX_CONNECTIONS_PER_CLIENT ${this.#max})`,
        headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
      };
    }
    this.#reserve(client, now);
    return undefined;
  }

  #reserve(client: string, now: number): void {
    this.#sweep(now);
    const count = this.#counts.get(client);
    if (count === undefined) this.#counts.set(client, { open: 0, pending: 1, pendingAt: now });
    else {
      count.pending = now - count.pendingAt < PENDING_HANDSHAKE_MS ? count.pending + 1 : 1;
      count.pendingAt = now;
    }
  }

  /** The connection of an accepted handshake opened. */
  opened(client: string): void {
    const count = this.#counts.get(client);
    if (count === undefined) this.#counts.set(client, { open: 1, pending: 0, pendingAt: 0 });
    else {
      count.open++;
      if (count.pending > 0) count.pending--;
    }
  }

  /** The connection closed; `wasOpen` false when it closed before opening (its handshake still counted). */
  closed(client: string, wasOpen: boolean): void {
    const count = this.#counts.get(client);
    if (count === undefined) return;
    if (wasOpen) count.open = Math.max(0, count.open - 1);
    else if (count.pending > 0) count.pending--;
    if (count.open === 0 && count.pending === 0) this.#counts.delete(client);
  }

  /** Drops clients left with nothing but lapsed handshakes, at most once per PENDING_HANDSHAKE_MS. */
  #sweep(now: number): void {
    if (now - this.#sweptAt < PENDING_HANDSHAKE_MS) return;
    this.#sweptAt = now;
    for (const [client, count] of this.#counts) {
      if (count.open === 0 && now - count.pendingAt >= PENDING_HANDSHAKE_MS) this.#counts.delete(client);
    }
  }
}

/**
 * A token bucket holding at most `rate` tokens, refilled at `rate` per second:
 * a burst of `rate` messages at once, then `rate` a second sustained. A
 * message takes one token; none left means over the rate.
 */
export class TokenBucket {
  readonly #rate: number;
  #tokens: number;
  #refilledAt: number;

  constructor(rate: number, now: number) {
    this.#rate = rate;
    this.#tokens = rate;
    this.#refilledAt = now;
  }

  /** Takes a token at `now` (ms); false when the bucket is empty. */
  take(now: number): boolean {
    const elapsed = now - this.#refilledAt;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#rate, this.#tokens + (elapsed * this.#rate) / 1000);
      this.#refilledAt = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }
}

/** What the idle sweep closes: the echo's connection. */
export interface IdleOwner {
  /** No message for IDLE_TIMEOUT_MS: close. Called once. */
  onIdleTimeout(): void;
}

/**
 * One connection's limit state, made at open only when a per-connection limit
 * is on (it lives in the echo's `Uncommon`, not on the connection, whose
 * fields are counted: see src/echo.ts).
 */
export class ConnectionLimits {
  /** `IdleSweep`'s bookkeeping (its index in a `SlotList`): -1 while not watched. */
  idleSlot = -1;
  /** A message arrived since the sweep last looked: a store per message, no clock read. */
  active = false;
  /** When the sweep last saw this connection active (ms since the epoch). */
  quietSince: number;

  constructor(readonly owner: IdleOwner, readonly bucket: TokenBucket | undefined, now: number) {
    this.quietSince = now;
  }

  /** A message arrived: false when it is over MAX_MESSAGES_PER_SECOND. */
  admit(): boolean {
    this.active = true;
    return this.bucket === undefined || this.bucket.take(Date.now());
  }
}

/**
 * Closes connections that sent no message for `timeout` ms: one timer for the
 * app, as for keep-alive (src/keep-alive.ts), ticking at a quarter of the
 * timeout. A message only marks its connection active; the sweep turns that
 * into a time, so a connection is closed after between `timeout` and
 * 1.5 × `timeout` of silence, never before.
 */
export class IdleSweep {
  readonly #timeout: number;
  readonly #tick: number;
  readonly #watched = new SlotList<"idleSlot", ConnectionLimits>("idleSlot");
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(timeout: number) {
    this.#timeout = timeout;
    this.#tick = Math.max(1, Math.floor(timeout / 4));
  }

  get size(): number {
    return this.#watched.size;
  }

  watch(connection: ConnectionLimits): void {
    this.#watched.add(connection);
    this.#timer ??= setInterval(() => this.check(Date.now()), this.#tick);
  }

  /** Stops watching (the connection closed); the timer stops with the last one. */
  unwatch(connection: ConnectionLimits): void {
    if (!this.#watched.delete(connection) || this.#watched.size > 0 || this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The timer's tick (public for the unit tests). */
  check(now: number): void {
    for (const connection of this.#watched.snapshot()) {
      if (connection.idleSlot < 0) continue; // unwatched by an earlier one's close in this tick
      if (connection.active) {
        connection.active = false;
        connection.quietSince = now;
      } else if (now - connection.quietSince >= this.#timeout) {
        this.unwatch(connection);
        try {
          connection.owner.onIdleTimeout();
        } catch {
          // A socket closing under us: its close event ends it; the others go on.
        }
      }
    }
  }
}

/** The limits of one app (`createEchoApp`), from its options. */
export class Limits {
  /** Per-client counts; undefined when MAX_CONNECTIONS_PER_CLIENT is 0. */
  readonly clients: ClientConnections | undefined;
  readonly #trusted: AddressList;
  readonly #rate: number;
  readonly #idle: IdleSweep | undefined;

  constructor(options: LimitOptions) {
    this.clients = options.maxConnectionsPerClient > 0
      ? new ClientConnections(options.maxConnectionsPerClient)
      : undefined;
    this.#trusted = new AddressList(options.trustedProxies);
    this.#rate = options.maxMessagesPerSecond;
    this.#idle = options.idleTimeout > 0 ? new IdleSweep(options.idleTimeout) : undefined;
  }

  /** Whether the client's address matters beyond the log line (a per-client limit, or trusted proxies). */
  get resolvesClients(): boolean {
    return this.clients !== undefined || this.#trusted.size > 0;
  }

  /** The client of a handshake, from the runtime's peer address and `X-Forwarded-For` (see ./client-address.ts). */
  clientOf(peer: string | undefined, headers: Headers): string | undefined {
    return clientAddress(peer, headers.get("x-forwarded-for"), this.#trusted);
  }

  /**
   * 429 when the client is at MAX_CONNECTIONS_PER_CLIENT; otherwise the
   * handshake counts for it from now on. A client whose address the runtime
   * does not tell is not limited (see docs/security.md).
   */
  admit(client: string | undefined): Refusal | undefined {
    return client === undefined ? undefined : this.clients?.admit(client);
  }

  /** A connection opened; its per-connection state, if a limit needs one. */
  open(owner: IdleOwner, client: string | undefined): ConnectionLimits | undefined {
    if (client !== undefined) this.clients?.opened(client);
    if (this.#rate === 0 && this.#idle === undefined) return undefined;
    const now = Date.now();
    const state = new ConnectionLimits(owner, this.#rate > 0 ? new TokenBucket(this.#rate, now) : undefined, now);
    this.#idle?.watch(state);
    return state;
  }

  /** A connection closed (`wasOpen` false: before it opened): what it counted and watched is released. */
  close(state: ConnectionLimits | undefined, client: string | undefined, wasOpen: boolean): void {
    if (client !== undefined) this.clients?.closed(client, wasOpen);
    if (state !== undefined) this.#idle?.unwatch(state);
  }

  /** The close reason for a connection over the rate (it fits a close frame). */
  get rateReason(): string {
    return `message rate over MAX_MESSAGES_PER_SECOND (${this.#rate}/s)`;
  }
}
