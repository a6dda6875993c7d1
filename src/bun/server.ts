// Bun entry point: Hono's Bun adapter over `Bun.serve`.
import { serveStatic, upgradeWebSocket, websocket } from "hono/bun";
import { createApp } from "../app.ts";
import { readListenOptions, readyLine } from "../listen.ts";

const { port, hostname } = readListenOptions(Bun.env);
const app = createApp({
  runtime: "bun",
  upgradeWebSocket,
  // Relative to the working directory: run from the project root, as the npm scripts do.
  serveStatic: serveStatic({ root: "./public" }),
});

const server = Bun.serve({
  port,
  hostname,
  fetch: app.fetch,
  // Bun's default limit is 16 MiB; state it, since the echo promises 16 MiB messages.
  websocket: { ...websocket, maxPayloadLength: 16 * 1024 * 1024 },
});
console.log(readyLine("bun", hostname, server.port ?? port));
