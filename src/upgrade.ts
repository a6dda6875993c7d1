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
