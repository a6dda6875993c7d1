// Your own Hono app on Cloudflare Workers, with the echo mounted under /echo (WebSocket on /echo/ws).
// From npm: import { createEchoApp } from "ws-echo"; import { runtime } from "ws-echo/workers";
import { Hono } from "hono";
import { createEchoApp } from "../src/mod.ts";
import { runtime } from "../src/workers/runtime.ts";

const app = new Hono();
app.get("/hello", (c) => c.text("my app\n"));
app.get("/healthz", (c) => c.json({ status: "ok" }));
app.route("/echo", createEchoApp(runtime, { subprotocols: ["chat"], logLevel: "warn" }));

export default app;
