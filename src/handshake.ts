import type { EchoOptions } from "./options.ts";

/** Why a WebSocket handshake is refused: the HTTP answer it gets instead of 101. */
export interface Refusal {
  status: 400 | 403 | 426 | 429 | 503;
  reason: string;
  headers?: Record<string, string>;
}

/** A key is 16 random bytes in base64 (RFC 6455 §4.1): 22 characters and "==". */
const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/**
 * `Host` = uri-host [":" port] (RFC 9110 §7.2, RFC 3986 §3.2.2): an IP literal
 * in brackets, or a reg-name of unreserved, percent-encoded and sub-delims
 * characters (which covers IPv4 and DNS names).
 */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)(?::[0-9]*)?$/;

/**
 * Our acceptance rules for a request already known to be a handshake, checked
 * before the runtime upgrades so the answer is the same on every runtime:
 * version (426, RFC 6455 §4.4), key (400, §4.2.1), a Host that is an
 * authority if present (400, RFC 9112 §3.2; Deno's and Bun's servers let
 * `Host: a b[` through), origin (403, the defence against cross-site
 * WebSocket hijacking; Origin is not authentication), and capacity (503 with
 * Retry-After, RFC 9110 §15.6.4).
 */
export function refuseHandshake(
  headers: Headers,
  options: Pick<EchoOptions, "allowedOrigins" | "maxConnections">,
  openConnections: number,
): Refusal | undefined {
  const version = headers.get("sec-websocket-version");
  if (version?.trim() !== "13") {
    return {
      status: 426,
      reason: `unsupported Sec-WebSocket-Version ${JSON.stringify(version)}; this server speaks 13`,
      headers: { "Sec-WebSocket-Version": "13" },
    };
  }
  const key = headers.get("sec-websocket-key");
  if (key === null || !KEY.test(key.trim())) {
    return { status: 400, reason: "missing or malformed Sec-WebSocket-Key" };
  }
  if (malformedHost(headers)) return { status: 400, reason: "malformed Host" };
  const origin = headers.get("origin");
  if (origin !== null && options.allowedOrigins.length > 0 && !options.allowedOrigins.includes(originOf(origin))) {
    return { status: 403, reason: `origin ${JSON.stringify(origin)} is not allowed` };
  }
  if (openConnections >= options.maxConnections) {
    return { status: 503, reason: "too many connections", headers: { "Retry-After": "5" } };
  }
  return undefined;
}

/**
 * Whether a request's `Host` is present but not an authority (RFC 9112 §3.2:
 * answered with 400). Absent, the runtime's HTTP layer decides (Node's answers
 * 400 itself); a Request made in-process (`app.request`, a service binding)
 * may have none.
 */
export function malformedHost(headers: Headers): boolean {
  const host = headers.get("host");
  return host !== null && !HOST.test(host.trim());
}

function originOf(value: string): string {
  try {
    return new URL(value).origin;
  } catch {
    return value; // "null" and other opaque origins: compared as sent, so never matched.
  }
}

/** The sub-protocol to answer a handshake request with (see selectSubprotocol); the adapters call this. */
export function subprotocolFor(headers: Headers, supported: readonly string[] = []): string | undefined {
  return selectSubprotocol(headers.get("sec-websocket-protocol"), supported);
}

/**
 * The sub-protocol to answer with: the first one the client offers that the
 * server supports (RFC 6455 §4.2.2: the server selects one of the client's
 * values), or none. Never a protocol the client did not offer.
 */
export function selectSubprotocol(
  offered: string | null | Iterable<string>,
  supported: readonly string[],
): string | undefined {
  if (offered === null || supported.length === 0) return undefined;
  const list = typeof offered === "string" ? offered.split(",").map((p) => p.trim()) : offered;
  for (const protocol of list) if (supported.includes(protocol)) return protocol;
  return undefined;
}
