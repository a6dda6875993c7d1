// The floor of the house rules on Deno, for HONO_FLOOR (bench/servers.ts): a Hono app whose one route
// upgrades with `hono/deno`'s helper and echoes. No checks, log lines, metrics, security headers or keep-alive:
// what any Hono app on this runtime pays for a handshake.
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";

const env = Deno.env.toObject();
const app = new Hono();
app.get("/ws", upgradeWebSocket(() => ({ onMessage: (event, ws) => ws.send(event.data) })));
Deno.serve({
  port: Number(env.PORT || 8080),
  hostname: env.HOST || "127.0.0.1",
  onListen: ({ hostname, port }) => console.log(`hono-floor (deno) listening on http://${hostname}:${port}`),
}, app.fetch);
