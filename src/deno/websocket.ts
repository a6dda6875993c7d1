import { defineWebSocketHelper, WSContext } from "hono/ws";
import { isWebSocketUpgrade } from "../upgrade.ts";

/**
 * `upgradeWebSocket` for Deno, on Hono's own `defineWebSocketHelper`, in the
 * shape of `hono/deno`'s. Why not `hono/deno`'s: it compares the `Upgrade`
 * header to the exact string "websocket", so `Upgrade: WebSocket` falls through
 * to the next handler (RFC 9110 makes the token case-insensitive), and it
 * answers the client's first sub-protocol whether or not the server speaks it.
 */
export const upgradeWebSocket = defineWebSocketHelper<WebSocket, Deno.UpgradeWebSocketOptions>(
  (c, events, options) => {
    if (!isWebSocketUpgrade(c.req.raw.headers)) return;
    const { response, socket } = Deno.upgradeWebSocket(c.req.raw, options);
    socket.binaryType = "arraybuffer";
    const ws = new WSContext<WebSocket>({
      send: (data) => socket.send(data),
      close: (code, reason) => socket.close(code, reason),
      raw: socket,
      get readyState() {
        return socket.readyState as 0 | 1 | 2 | 3;
      },
      url: c.req.url,
      get protocol() {
        return socket.protocol;
      },
    });
    if (events.onOpen) socket.onopen = (event) => events.onOpen?.(event, ws);
    if (events.onMessage) socket.onmessage = (event) => events.onMessage?.(event, ws);
    if (events.onClose) socket.onclose = (event) => events.onClose?.(event, ws);
    if (events.onError) socket.onerror = (event) => events.onError?.(event, ws);
    return response;
  },
);
