// Node: `@hono/node-server` v2 for HTTP, `ws` for WebSockets, joined by our own upgrade path (./upgrade.ts).
import { getConnInfo } from "@hono/node-server/conninfo";
import process from "node:process";
import { processMetricsOf } from "../metrics.ts";
import type { EchoRuntime } from "../runtime.ts";
import type { EchoSocket } from "./socket.ts";
import { upgradeWebSocket } from "./upgrade.ts";

export { attachWebSocketServer, upgradeWebSocket } from "./upgrade.ts";

/** ws-echo on Node: pass it to `createEchoApp` or `createApp`, and serve WebSockets with `attachWebSocketServer`. */
export const runtime: EchoRuntime = {
  name: "node",
  upgradeWebSocket,
  socketControl: ({ raw }) => raw as EchoSocket,
  remoteAddress: (c) => getConnInfo(c).remote.address,
  // Text arrives as its UTF-8 bytes here (TextMessage): no utf8Length needed.
  processMetrics: processMetricsOf(process),
};
