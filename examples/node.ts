// Your own Hono app on Node, with the echo mounted under /echo (WebSocket on /echo/ws).
// From npm: import { createEchoApp, readOptions } from "ws-echo"; import { ... } from "ws-echo/node";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import process from "node:process";
import { createEchoApp, readOptions } from "../src/mod.ts";
import { attachWebSocketServer, runtime } from "../src/node/runtime.ts";

// The echo's options, given once: the service's environment variables, and a sub-protocol of our own.
const echo = createEchoApp(runtime, { ...readOptions(process.env), subprotocols: ["chat"] });
const app = new Hono();
app.get("/hello", (c) => c.text("my app\n"));
app.get("/healthz", (c) => c.json({ status: "ok" }));
app.route("/echo", echo);

const server = serve(
  { fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: "127.0.0.1" },
  (info) => console.log(`ws-echo (node) listening on http://127.0.0.1:${info.port}`),
);
// Node's WebSockets come from `ws`: upgrades go through the app first, then `ws` takes the socket
// with the options of the echo app that accepted it (size limit, sub-protocol).
attachWebSocketServer(server, app.fetch);
