// The floor of the house rules on Node, for HONO_FLOOR (bench/servers.ts): a Hono app whose one route
// upgrades through our Node wiring (src/node/upgrade.ts, `@hono/node-server` and `ws`) and echoes. No checks, log
// lines, metrics, security headers or keep-alive: what any Hono app on this runtime pays for a handshake.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import process from "node:process";
import { attachWebSocketServer, upgradeWebSocket } from "../../src/node/upgrade.ts";

const app = new Hono();
app.get("/ws", upgradeWebSocket(() => ({ onMessage: (event, ws) => ws.send(event.data as string | ArrayBuffer) })));
const host = process.env.HOST || "127.0.0.1";
const server = serve(
  { fetch: app.fetch, port: Number(process.env.PORT || 8080), hostname: host },
  (info) => console.log(`hono-floor (node) listening on http://${host}:${info.port}`),
);
attachWebSocketServer(server, app.fetch);
process.once("SIGTERM", () => process.exit(0));
