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

/** Open connections per client address, for MAX_CONNECTIONS_PER_CLIENT. */
export class ClientConnections {
  readonly #max: number;
  readonly #open = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** How many connections `client` has open. */
  count(client: string): number {
    return this.#open.get(client) ?? 0;
  }

  /** Clients with at least one open connection; an address with none takes no memory. */
  get clients(): number {
    return this.#open.size;
  }

  /** 429 with Retry-After when `client` already has the maximum open. */
  refuse(client: string): Refusal | undefined {
    if (this.count(client) < this.#max) return undefined;
    return {
      status: 429,
      reason: `too many connections from ${client} (MAX_CONNECTIONS_PER_CLIENT ${this.#max})`,
      headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
    };
  }

  add(client: string): void {
    this.#open.set(client, this.count(client) + 1);
  }

  delete(client: string): void {
    const left = this.count(client) - 1;
    if (left > 0) this.#open.set(client, left);
    else this.#open.delete(client);
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
   * 429 when the client is at MAX_CONNECTIONS_PER_CLIENT. A client whose
   * address the runtime does not tell is not limited (see docs/security.md).
   */
  refuse(client: string | undefined): Refusal | undefined {
    return client === undefined ? undefined : this.clients?.refuse(client);
  }

  /** A connection opened: counted for its client; its per-connection state, if a limit needs one. */
  open(owner: IdleOwner, client: string | undefined): ConnectionLimits | undefined {
    if (client !== undefined) this.clients?.add(client);
    if (this.#rate === 0 && this.#idle === undefined) return undefined;
    const now = Date.now();
    const state = new ConnectionLimits(owner, this.#rate > 0 ? new TokenBucket(this.#rate, now) : undefined, now);
    this.#idle?.watch(state);
    return state;
  }

  /** A connection closed: what `open` counted and watched is released. */
  close(state: ConnectionLimits | undefined, client: string | undefined): void {
    if (client !== undefined) this.clients?.delete(client);
    if (state !== undefined) this.#idle?.unwatch(state);
  }

  /** The close reason for a connection over the rate (it fits a close frame). */
  get rateReason(): string {
    return `message rate over MAX_MESSAGES_PER_SECOND (${this.#rate}/s)`;
  }
}
