// Your own Hono app on Bun, with the echo mounted under /echo (WebSocket on /echo/ws).
// From npm: import { createEchoApp, readOptions } from "ws-echo"; import { ... } from "ws-echo/bun";
import { Hono } from "hono";
import { createEchoApp, readOptions } from "../src/mod.ts";
import { runtime, websocketHandler } from "../src/bun/runtime.ts";

// The echo's options, given once: the service's environment variables, and a sub-protocol of our own.
const echo = createEchoApp(runtime, { ...readOptions(Bun.env), subprotocols: ["chat"] });
const app = new Hono();
app.get("/hello", (c) => c.text("my app\n"));
app.get("/healthz", (c) => c.json({ status: "ok" }));
app.route("/echo", echo);

// Bun's WebSocket handlers are server-wide: pass ours to Bun.serve, with the echo app whose options they take.
const server = Bun.serve({
  port: Number(Bun.env.PORT ?? 3000),
  hostname: "127.0.0.1",
  fetch: app.fetch,
  websocket: websocketHandler(echo),
});
console.log(`ws-echo (bun) listening on http://127.0.0.1:${server.port}`);
