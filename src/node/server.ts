// Node entry point: `node dist/node.js` (built by `npm run build`).
import { serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import process from "node:process";
import { createApp } from "../service.ts";
import { readListenOptions, readyLine } from "../listen.ts";
import { createLogger } from "../log.ts";
import { readOptions } from "../options.ts";
import { shutdown } from "../shutdown.ts";
import { readTlsFiles } from "../tls.ts";
import { applyHandshakeTimeout } from "./handshake-timeout.ts";
import { attachWebSocketServer, runtime } from "./runtime.ts";

const { port, hostname } = readListenOptions(process.env);
const options = readOptions(process.env);
const readTextFile = (path: string) => readFileSync(path, "utf8");
const tls = readTlsFiles(process.env, { readTextFile, X509Certificate, createPrivateKey });
const log = createLogger(options.logLevel);
const app = createApp({
  runtime,
  options,
  log,
  // Relative to the working directory: run from the project root, as the npm scripts do.
  serveStatic: serveStatic({ root: "./public" }),
});

const server = serve(
  { fetch: app.fetch, port, hostname, ...(tls && { createServer: createHttpsServer, serverOptions: tls }) },
  (info) => console.log(readyLine("node", hostname, info.port, tls !== undefined)),
);
// HANDSHAKE_TIMEOUT_MS is the server's (a host app that mounts the echo sets its own server's).
applyHandshakeTimeout(server as Server, options.handshakeTimeout);
attachWebSocketServer(server, app.fetch);

const stop = () =>
  shutdown({ stopAccepting: () => server.close(), connections: app.connections, log }).finally(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
