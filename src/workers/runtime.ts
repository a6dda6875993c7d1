// Cloudflare Workers: `WebSocketPair`, through our own upgrade helper.
import { getConnInfo } from "hono/cloudflare-workers";
import { defineWebSocketHelper, type UpgradeWebSocket } from "hono/ws";
import { workersExtensions } from "../compression.ts";
import { DEFAULT_OPTIONS } from "../options.ts";
import type { EchoRuntime, UpgradeOptions } from "../runtime.ts";
import { bindStandardWebSocket, StandardContext, standardHandshake } from "../standard-websocket.ts";

/**
 * `upgradeWebSocket` on Hono's `defineWebSocketHelper`, in the shape of
 * `hono/cloudflare-workers`'s. Why not that one: it compares `Upgrade` to the
 * exact string "websocket" (see `standardHandshake`), never answers a
 * sub-protocol, leaves the binary type to the compatibility date, and
 * has no `onOpen`. Here `onOpen` runs right after `accept()`, when a
 * `WebSocketPair` socket is already open.
 */
export const upgradeWebSocket: UpgradeWebSocket<WebSocket, UpgradeOptions> = defineWebSocketHelper<
  WebSocket,
  UpgradeOptions
>((c, events, options) => {
  const handshake = standardHandshake(c.req.raw.headers, options);
  if (!handshake) return;
  const { protocol } = handshake;
  const { 0: client, 1: server } = new WebSocketPair();
  const ws = new WorkersContext(server, protocol);
  bindStandardWebSocket(ws, events);
  server.accept();
  events.onOpen?.(new Event("open"), ws);
  const headers: Record<string, string> = protocol ? { "Sec-WebSocket-Protocol": protocol } : {};
  // COMPRESSION: workerd negotiates permessage-deflate by itself unless told (../compression.ts).
  const extensions = workersExtensions(c.req.raw.headers, options ?? DEFAULT_OPTIONS);
  if (extensions !== undefined) headers["Sec-WebSocket-Extensions"] = extensions;
  return new Response(null, { status: 101, webSocket: client, headers });
});

/**
 * A workerd socket's WSContext and SocketControl (see ../standard-websocket.ts).
 * workerd has no ping API (it answers client pings itself), no way to pause
 * reading, and no bufferedAmount: its outgoing queue is the platform's.
 */
class WorkersContext extends StandardContext {
  override get bufferedAmount(): number {
    return 0;
  }
}

/** ws-echo on Cloudflare Workers: pass it to `createEchoApp` or `createApp`. */
export const runtime: EchoRuntime = {
  name: "workers",
  upgradeWebSocket,
  socketControl: (ws) => ws as WorkersContext,
  remoteAddress: (c) => getConnInfo(c).remote.address,
};
