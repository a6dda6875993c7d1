/**
 * Recognises a WebSocket opening handshake (RFC 6455 §4.2.1) from its headers.
 *
 * Header names are case-insensitive in HTTP and so are the `Upgrade` and
 * `Connection` tokens (RFC 9110 §7.8, §7.6.1): `Upgrade: WebSocket` and
 * `Connection: keep-alive, Upgrade` are both valid. Hono's Deno and Workers
 * adapters compare `Upgrade` to the exact string "websocket", which is why the
 * Deno and Workers adapters here check with this function instead.
 */
export function isWebSocketUpgrade(headers: Headers): boolean {
  return hasToken(headers.get("upgrade"), "websocket") && hasToken(headers.get("connection"), "upgrade");
}

function hasToken(value: string | null, token: string): boolean {
  if (value === null) return false;
  return value.split(",").some((part) => part.trim().toLowerCase() === token);
}

/**
 * The answer of an upgrade helper whose runtime has written the 101 itself
 * (Bun's `server.upgrade`): Hono needs a Response from the handler, but this
 * one is never sent, so middleware that only dresses answers can leave it
 * alone (./security-headers.ts: ten headers set on it for nothing were a part
 * of each handshake's cost on Bun).
 */
export class UpgradeAnswered extends Response {
  constructor() {
    super(null);
  }
}
