import { isAddressOrRange } from "./client-address.ts";

/**
 * The service's options, one typed object on every runtime, read from the
 * environment (Workers: wrangler.toml `[vars]` or `--var`). Modelled on ASP.NET
 * Core's `WebSocketOptions`.
 */
export interface EchoOptions {
  /** ms between server pings (ASP.NET KeepAliveInterval). 0: no pings. */
  keepAliveInterval: number;
  /** ms to wait for the pong after a ping before dropping the peer (ASP.NET 9 KeepAliveTimeout). 0: wait forever. */
  keepAliveTimeout: number;
  /** Largest message accepted, in bytes; a larger one closes the connection with 1009. */
  maxMessageSize: number;
  /** Origins allowed to open a WebSocket; empty: any. A request without `Origin` is always allowed. */
  allowedOrigins: readonly string[];
  /** Sub-protocols the server speaks, in its order of preference; empty: none. */
  subprotocols: readonly string[];
  /** Open WebSockets at most; past it a handshake gets 503 with Retry-After. */
  maxConnections: number;
  logLevel: LogLevel;
  /** Whether `GET /metrics` answers (Prometheus text format); off: 404. */
  metrics: boolean;
  /** When set, `/metrics` wants `Authorization: Bearer <token>` (401 otherwise). */
  metricsToken?: string | undefined;
  // Abuse limits (issue 26; see src/limits.ts and docs/security.md).
  /** Open WebSockets per client address at most; past it 429 with Retry-After. 0: no limit. */
  maxConnectionsPerClient: number;
  /** Proxies whose `X-Forwarded-For` names the client: addresses and CIDR ranges (see src/client-address.ts). */
  trustedProxies: readonly string[];
  /** ms a client has to complete its HTTP upgrade request (Kestrel's RequestHeadersTimeout); where the runtime lets us. */
  handshakeTimeout: number;
  /** Messages per second per connection, with a burst of as many (a token bucket); past it 1008. 0: no limit. */
  maxMessagesPerSecond: number;
  /** ms without a message from the client before the server closes with 1001. 0: never. */
  idleTimeout: number;
  /**
   * Serving processes on Node, Deno and Bun (WORKERS), or "auto": the CPUs this
   * process may use (src/supervisor.ts `resolveWorkers`). Read by the entries,
   * not by the app; Workers accept and ignore it (the platform places isolates).
   */
  workers: number | "auto";
  // permessage-deflate (issue 28; see src/compression.ts and docs/compression.md).
  /** Whether a client's offer of permessage-deflate (RFC 7692) is accepted; off: declined on every runtime. */
  compression: boolean;
  /** With compression on, messages the server sends below this many bytes go out uncompressed (Node, Bun). */
  compressionThreshold: number;
}

/** Log levels, from most to least verbose; `silent` logs nothing. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];

/** 1 MiB in bytes. */
export const MiB = 1024 * 1024;

/** The defaults of every option, as documented in the README. */
export const DEFAULT_OPTIONS: Readonly<EchoOptions> = {
  keepAliveInterval: 30_000,
  keepAliveTimeout: 20_000,
  maxMessageSize: 16 * MiB,
  allowedOrigins: [],
  subprotocols: [],
  maxConnections: 20_000,
  logLevel: "info",
  metrics: true,
  maxConnectionsPerClient: 0,
  trustedProxies: [],
  handshakeTimeout: 10_000,
  maxMessagesPerSecond: 0,
  idleTimeout: 0,
  workers: 1,
  compression: false,
  compressionThreshold: 1024,
};

/** The most WORKERS accepts: past it the processes' memory, not the cores, is what runs out. */
export const MAX_WORKERS = 256;

/** Where each option comes from in the environment, and what it accepts. */
const INTEGER_OPTIONS = {
  keepAliveInterval: { env: "KEEP_ALIVE_INTERVAL_MS", min: 0, max: 86_400_000 },
  keepAliveTimeout: { env: "KEEP_ALIVE_TIMEOUT_MS", min: 0, max: 86_400_000 },
  // 1 GiB: beyond what any of the runtimes will buffer for one message.
  maxMessageSize: { env: "MAX_MESSAGE_BYTES", min: 1, max: 1024 * MiB },
  maxConnections: { env: "MAX_CONNECTIONS", min: 1, max: 1_000_000 },
  maxConnectionsPerClient: { env: "MAX_CONNECTIONS_PER_CLIENT", min: 0, max: 1_000_000 },
  handshakeTimeout: { env: "HANDSHAKE_TIMEOUT_MS", min: 1, max: 3_600_000 },
  maxMessagesPerSecond: { env: "MAX_MESSAGES_PER_SECOND", min: 0, max: 1_000_000 },
  idleTimeout: { env: "IDLE_TIMEOUT_MS", min: 0, max: 86_400_000 },
  compressionThreshold: { env: "COMPRESSION_THRESHOLD_BYTES", min: 0, max: 1024 * MiB },
} as const;

/** A bad option value: the message names the variable and what it accepts. */
export class OptionError extends Error {
  override name = "OptionError";
}

type Env = Record<string, unknown>;

/**
 * Reads the options from an environment record (`process.env`,
 * `Deno.env.toObject()`, a Worker's `env`). Unset or empty variables take the
 * defaults; an invalid value throws an `OptionError`, so a service never starts
 * with a setting it did not understand.
 */
export function readOptions(env: Env): EchoOptions {
  const options: EchoOptions = { ...DEFAULT_OPTIONS };
  for (const [key, { env: name, min, max }] of Object.entries(INTEGER_OPTIONS)) {
    const raw = text(env, name);
    if (raw === undefined) continue;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new OptionError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    options[key as keyof typeof INTEGER_OPTIONS] = value;
  }
  const origins = list(env, "ALLOWED_ORIGINS");
  if (origins) options.allowedOrigins = origins.map(normalizeOrigin);
  const protocols = list(env, "SUBPROTOCOLS");
  if (protocols) {
    const bad = protocols.find((p) => !TOKEN.test(p));
    if (bad !== undefined) {
      throw new OptionError(`SUBPROTOCOLS must be comma-separated tokens (RFC 6455 §4.1), got "${bad}"`);
    }
    options.subprotocols = protocols;
  }
  const level = text(env, "LOG_LEVEL");
  if (level !== undefined) {
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new OptionError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${level}"`);
    }
    options.logLevel = level as LogLevel;
  }
  const metrics = text(env, "METRICS");
  if (metrics !== undefined) {
    if (metrics !== "on" && metrics !== "off") throw new OptionError(`METRICS must be on or off, got "${metrics}"`);
    options.metrics = metrics === "on";
  }
  const compression = text(env, "COMPRESSION");
  if (compression !== undefined) {
    if (compression !== "on" && compression !== "off") {
      throw new OptionError(`COMPRESSION must be on or off, got "${compression}"`);
    }
    options.compression = compression === "on";
  }
  const token = text(env, "METRICS_TOKEN");
  if (token !== undefined) {
    // What a bearer token may be (RFC 6750 §2.1, b64token), so that a client can send it.
    if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) {
      throw new OptionError("METRICS_TOKEN must be a bearer token: letters, digits and -._~+/, then any =");
    }
    options.metricsToken = token;
  }
  const proxies = list(env, "TRUSTED_PROXIES");
  if (proxies) {
    const bad = proxies.find((entry) => !isAddressOrRange(entry));
    if (bad !== undefined) {
      throw new OptionError(
        `TRUSTED_PROXIES must list IP addresses or CIDR ranges like 10.0.0.0/8 or fd00::/8, got "${bad}"`,
      );
    }
    options.trustedProxies = proxies;
  }
  const workers = text(env, "WORKERS");
  if (workers !== undefined) options.workers = readWorkers(workers);
  return options;
}

function readWorkers(raw: string): number | "auto" {
  if (raw === "auto") return "auto";
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_WORKERS) {
    throw new OptionError(`WORKERS must be an integer from 1 to ${MAX_WORKERS} or "auto", got "${raw}"`);
  }
  return value;
}

/** RFC 7230 token: what a sub-protocol name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function text(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === null) return undefined;
  const trimmed = String(value).trim();
  return trimmed === "" ? undefined : trimmed;
}

function list(env: Env, name: string): string[] | undefined {
  return text(env, name)?.split(",").map((item) => item.trim()).filter((item) => item !== "");
}

/** `https://Example.com:443/` and `https://example.com` are the same origin. */
function normalizeOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OptionError(`ALLOWED_ORIGINS must list origins like https://example.com, got "${value}"`);
  }
  if (url.origin === "null") throw new OptionError(`ALLOWED_ORIGINS: "${value}" has no origin (use http: or https:)`);
  return url.origin;
}
