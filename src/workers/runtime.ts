// Cloudflare Workers: `WebSocketPair`, through our own upgrade helper.
import { getConnInfo } from "hono/cloudflare-workers";
import { defineWebSocketHelper, type UpgradeWebSocket, WSContext } from "hono/ws";
import { selectSubprotocol } from "../handshake.ts";
import type { EchoRuntime, UpgradeOptions } from "../runtime.ts";
import { isWebSocketUpgrade } from "../upgrade.ts";

/**
 * `upgradeWebSocket` on Hono's `defineWebSocketHelper`, in the shape of
 * `hono/cloudflare-workers`'s. Why not that one: it compares `Upgrade` to the
 * exact string "websocket" (RFC 9110 makes the token case-insensitive), never
 * answers a sub-protocol, leaves the binary type to the compatibility date, and
 * has no `onOpen`. Here `onOpen` runs right after `accept()`, when a
 * `WebSocketPair` socket is already open.
 */
export const upgradeWebSocket: UpgradeWebSocket<WebSocket, UpgradeOptions> = defineWebSocketHelper<
  WebSocket,
  UpgradeOptions
>((c, events, options) => {
  if (!isWebSocketUpgrade(c.req.raw.headers)) return;
  const protocol = selectSubprotocol(c.req.header("sec-websocket-protocol") ?? null, options?.protocols ?? []);
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
    protocol: protocol ?? null,
  });
  if (events.onMessage) server.addEventListener("message", (event) => events.onMessage?.(event, ws));
  if (events.onClose) server.addEventListener("close", (event) => events.onClose?.(event, ws));
  if (events.onError) server.addEventListener("error", (event) => events.onError?.(event, ws));
  server.accept();
  events.onOpen?.(new Event("open"), ws);
  return new Response(null, {
    status: 101,
    webSocket: client,
    headers: protocol ? { "Sec-WebSocket-Protocol": protocol } : {},
  });
});

/** ws-echo on Cloudflare Workers: pass it to `createEchoApp` or `createApp`. */
export const runtime: EchoRuntime = {
  name: "workers",
  upgradeWebSocket,
  // workerd has no ping API (it answers client pings itself), no way to pause
  // reading, and no bufferedAmount: its outgoing queue is the platform's.
  socketControl: ({ raw }) => {
    const socket = raw as WebSocket;
    return {
      bufferedAmount: () => 0,
      terminate: () => socket.close(1001, "going away"),
    };
  },
  remoteAddress: (c) => getConnInfo(c).remote.address,
};
