import { defineWebSocketHelper, WSContext } from "hono/ws";
import { isWebSocketUpgrade } from "../upgrade.ts";

/**
 * `upgradeWebSocket` for Cloudflare Workers, on Hono's own
 * `defineWebSocketHelper`, in the shape of `hono/cloudflare-workers`'s. Why not
 * that one: it compares the `Upgrade` header to the exact string "websocket"
 * (RFC 9110 makes the token case-insensitive), and it leaves the socket's
 * binary type to the compatibility date.
 *
 * As in Hono's adapter there is no `onOpen`: a `WebSocketPair` socket is open
 * as soon as it is accepted, before the 101 response has even been sent.
 */
export const upgradeWebSocket = defineWebSocketHelper<WebSocket>((c, events) => {
  if (!isWebSocketUpgrade(c.req.raw.headers)) return;
  const { 0: client, 1: server } = new WebSocketPair();
  // Since compatibility date 2026-03-17 binary frames arrive as Blob unless asked
  // otherwise; an ArrayBuffer keeps the echo synchronous (see ../message.ts).
  server.binaryType = "arraybuffer";
  const ws = new WSContext<WebSocket>({
    send: (data) => server.send(data),
    close: (code, reason) => server.close(code, reason),
    raw: server,
    get readyState() {
      return server.readyState as 0 | 1 | 2 | 3;
    },
    url: c.req.url,
    get protocol() {
      return server.protocol;
    },
  });
  if (events.onMessage) server.addEventListener("message", (event) => events.onMessage?.(event, ws));
  if (events.onClose) server.addEventListener("close", (event) => events.onClose?.(event, ws));
  if (events.onError) server.addEventListener("error", (event) => events.onError?.(event, ws));
  server.accept();
  return new Response(null, { status: 101, webSocket: client });
});
