// Your own Hono app on Deno, with the echo mounted under /echo (WebSocket on /echo/ws).
// From JSR or npm: import { createEchoApp, readOptions } from "ws-echo"; import { runtime } from "ws-echo/deno";
import { Hono } from "hono";
import { createEchoApp, readOptions } from "../src/mod.ts";
import { runtime } from "../src/deno/runtime.ts";

const app = new Hono();
app.get("/hello", (c) => c.text("my app\n"));
app.get("/healthz", (c) => c.json({ status: "ok" }));
// The echo's options, given once: the service's environment variables, and a sub-protocol of our own.
app.route("/echo", createEchoApp(runtime, { ...readOptions(Deno.env.toObject()), subprotocols: ["chat"] }));

Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 3000),
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`ws-echo (deno) listening on http://127.0.0.1:${port}`),
}, app.fetch);
