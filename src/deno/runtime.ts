// Deno: `Deno.serve` and `Deno.upgradeWebSocket`, through our own upgrade helper.
import { getConnInfo } from "hono/deno";
import { defineWebSocketHelper, type UpgradeWebSocket } from "hono/ws";
import { Buffer } from "node:buffer";
import process from "node:process";
import { processMetricsOf } from "../metrics.ts";
import type { EchoRuntime, UpgradeOptions } from "../runtime.ts";
import { bindStandardWebSocket, StandardContext, standardHandshake } from "../standard-websocket.ts";

/**
 * `upgradeWebSocket` on Hono's `defineWebSocketHelper`, in the shape of
 * `hono/deno`'s. Why not that one: it compares `Upgrade` to the exact string
 * "websocket", and it answers the client's first sub-protocol whether or not
 * the server speaks it (`standardHandshake` does both as the rules say).
 *
 * Deno's WebSocket has no ping method: Deno pings by itself. With
 * `idleTimeout` T (seconds) it sends a ping after T/2 without traffic and
 * closes with 1001 when nothing arrives in the next T/2 (ext/websocket,
 * `_serverHandleIdleTimeout`). So T = 2 × KEEP_ALIVE_INTERVAL_MS: a ping after
 * the interval of silence, the peer dropped one interval later;
 * KEEP_ALIVE_TIMEOUT_MS has no effect here.
 */
export const upgradeWebSocket: UpgradeWebSocket<WebSocket, UpgradeOptions> = defineWebSocketHelper<
  WebSocket,
  UpgradeOptions
>((c, events, options) => {
  const handshake = standardHandshake(c.req.raw.headers, options);
  if (!handshake) return;
  const { protocol } = handshake;
  const { response, socket } = Deno.upgradeWebSocket(c.req.raw, {
    ...(protocol ? { protocol } : {}),
    idleTimeout: (2 * (options?.keepAliveInterval ?? 0)) / 1000,
  });
  const ws = new StandardContext(socket, protocol);
  bindStandardWebSocket(ws, events);
  if (events.onOpen) socket.addEventListener("open", (event) => events.onOpen?.(event, ws));
  return response;
});

/** ws-echo on Deno: pass it to `createEchoApp` or `createApp`. */
export const runtime: EchoRuntime = {
  name: "deno",
  upgradeWebSocket,
  socketControl: (ws) => ws as StandardContext,
  remoteAddress: (c) => getConnInfo(c).remote.address,
  processMetrics: processMetricsOf(process),
  utf8Length: (text) => Buffer.byteLength(text),
};
