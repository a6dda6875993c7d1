// Your own Hono app on Cloudflare Workers, with the echo mounted under /echo (WebSocket on /echo/ws).
// From npm: import { createEchoApp, readOptions } from "ws-echo"; import { runtime } from "ws-echo/workers";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { createEchoApp, readOptions } from "../src/mod.ts";
import { runtime } from "../src/workers/runtime.ts";

const app = new Hono();
app.get("/hello", (c) => c.text("my app\n"));
app.get("/healthz", (c) => c.json({ status: "ok" }));
// The echo's options, given once: the Worker's vars, and a sub-protocol of our own.
const vars = env as unknown as Record<string, unknown>;
app.route("/echo", createEchoApp(runtime, { ...readOptions(vars), subprotocols: ["chat"] }));

export default app;
