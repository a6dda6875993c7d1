// Node entry point: `@hono/node-server` v2 with `ws` for WebSockets.
import { serve, upgradeWebSocket } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import process from "node:process";
import { WebSocketServer } from "ws";
import { createApp } from "../app.ts";
import { readListenOptions, readyLine } from "../listen.ts";

const { port, hostname } = readListenOptions(process.env);
const app = createApp({
  runtime: "node",
  upgradeWebSocket,
  // Relative to the working directory: run from the project root, as the npm scripts do.
  serveStatic: serveStatic({ root: "./public" }),
});

serve(
  { fetch: app.fetch, port, hostname, websocket: { server: new WebSocketServer({ noServer: true }) } },
  (info) => console.log(readyLine("node", hostname, info.port)),
);
