// Node: `@hono/node-server` v2 with `ws`.
import { upgradeWebSocket } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { WebSocketServer } from "ws";
import type { WebSocket } from "ws";
import { selectSubprotocol } from "../handshake.ts";
import { DEFAULT_OPTIONS, type EchoOptions } from "../options.ts";
import type { EchoRuntime, UpgradeOptions } from "../runtime.ts";
import type { UpgradeWebSocket } from "hono/ws";

/** ws-echo on Node: pass it to `createEchoApp` or `createApp`. */
export const runtime: EchoRuntime = {
  name: "node",
  // The sub-protocol and size limit are the WebSocketServer's (createWebSocketServer below),
  // so this helper ignores the UpgradeOptions it is given.
  upgradeWebSocket: upgradeWebSocket as unknown as UpgradeWebSocket<WebSocket, UpgradeOptions>,
  socketControl: ({ raw }) => {
    const ws = raw as WebSocket;
    return {
      bufferedAmount: () => ws.bufferedAmount,
      terminate: () => ws.terminate(),
      ping: () => ws.ping(),
      onPong: (listener) => ws.on("pong", listener),
      pause: () => ws.pause(),
      resume: () => ws.resume(),
    };
  },
  remoteAddress: (c) => getConnInfo(c).remote.address,
};

/**
 * The `ws` server to pass to `serve({ websocket: { server } })`: it enforces
 * the message size limit while reading (closing with 1009 before buffering
 * more) and answers the sub-protocol our rules pick.
 */
export function createWebSocketServer(
  options: Partial<EchoOptions> = {},
): WebSocketServer {
  const { maxMessageSize, subprotocols } = { ...DEFAULT_OPTIONS, ...options };
  return new WebSocketServer({
    noServer: true,
    maxPayload: maxMessageSize,
    handleProtocols: (offered) => selectSubprotocol(offered, subprotocols) ?? false,
  });
}
