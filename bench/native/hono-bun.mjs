// The floor of the house rules on Bun, for HONO_FLOOR (bench/servers.ts): a Hono app whose one route
// upgrades with `hono/bun`'s helper and echoes. No checks, log lines, metrics, security headers or keep-alive:
// what any Hono app on this runtime pays for a handshake.
import { Hono } from "hono";
import { upgradeWebSocket, websocket } from "hono/bun";

const app = new Hono();
app.get("/ws", upgradeWebSocket(() => ({ onMessage: (event, ws) => ws.send(event.data) })));
const server = Bun.serve({
  port: Number(Bun.env.PORT || 8080),
  hostname: Bun.env.HOST || "127.0.0.1",
  fetch: app.fetch,
  websocket,
});
console.log(`hono-floor (bun) listening on http://${server.hostname}:${server.port}`);
