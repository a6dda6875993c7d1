// Deno entry point: `Deno.serve`, Hono's Deno static files, and our own upgrade helper.
import { serveStatic } from "hono/deno";
import { createApp } from "../app.ts";
import { readListenOptions, readyLine } from "../listen.ts";
import { upgradeWebSocket } from "./websocket.ts";

const { port, hostname } = readListenOptions(Deno.env.toObject());
const app = createApp({
  runtime: "deno",
  upgradeWebSocket,
  // Relative to the working directory: run from the project root, as `deno task start` does.
  serveStatic: serveStatic({ root: "./public" }),
});

Deno.serve({
  port,
  hostname,
  onListen: (addr) => console.log(readyLine("deno", hostname, addr.port)),
}, app.fetch);
