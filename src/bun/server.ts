// Bun entry point: `bun src/bun/server.ts`.
import { serveStatic } from "hono/bun";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import process from "node:process";
import { createApp } from "../service.ts";
import { readListenOptions, readyLine } from "../listen.ts";
import { createLogger } from "../log.ts";
import { readOptions } from "../options.ts";
import { shutdown } from "../shutdown.ts";
import { readTlsFiles } from "../tls.ts";
import { runtime, websocketHandler } from "./runtime.ts";

const { port, hostname } = readListenOptions(Bun.env);
const options = readOptions(Bun.env);
const readTextFile = (path: string) => readFileSync(path, "utf8");
const tls = readTlsFiles(Bun.env, { readTextFile, X509Certificate, createPrivateKey });
const log = createLogger(options.logLevel);
const app = createApp({
  runtime,
  options,
  log,
  // Relative to the working directory: run from the project root, as the npm scripts do.
  serveStatic: serveStatic({ root: "./public" }),
});

const server = Bun.serve({ port, hostname, tls, fetch: app.fetch, websocket: websocketHandler(app) });
console.log(readyLine("bun", hostname, server.port ?? port, tls !== undefined));

const stop = () =>
  shutdown({ stopAccepting: () => void server.stop(), connections: app.connections, log }).finally(() =>
    process.exit(0)
  );
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
