// Your own Hono app on Bun, with the echo mounted under /echo (WebSocket on /echo/ws).
// From npm: import { createEchoApp } from "ws-echo"; import { ... } from "ws-echo/bun";
import { Hono } from "hono";
import { createEchoApp } from "../src/mod.ts";
import { runtime, websocketHandler } from "../src/bun/runtime.ts";

const options = { subprotocols: ["chat"], logLevel: "warn" } as const;
const app = new Hono();
app.get("/hello", (c) => c.text("my app\n"));
app.get("/healthz", (c) => c.json({ status: "ok" }));
app.route("/echo", createEchoApp(runtime, options));

// Bun's WebSocket handlers are server-wide: pass ours to Bun.serve.
const server = Bun.serve({
  port: Number(Bun.env.PORT ?? 3000),
  hostname: "127.0.0.1",
  fetch: app.fetch,
  websocket: websocketHandler(options),
});
console.log(`ws-echo (bun) listening on http://127.0.0.1:${server.port}`);
