// Node entry point: `node dist/node.js` (built by `npm run build`).
import { serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import process from "node:process";
import { readListenOptions, readyLine } from "../listen.ts";
import { createLogger } from "../log.ts";
import { LogBuffer } from "../log-buffer.ts";
import { readOptions } from "../options.ts";
import { createApp } from "../service.ts";
import { shutdown } from "../shutdown.ts";
import { processLogger } from "../supervisor.ts";
import { readTlsFiles } from "../tls.ts";
import { clusterRole, superviseWorkers, wholeServerMetrics } from "./cluster.ts";
import { applyHandshakeTimeout } from "./handshake-timeout.ts";
import { attachWebSocketServer, runtime } from "./runtime.ts";

const { port, hostname } = readListenOptions(process.env);
// WORKERS > 1: this process is the primary and supervises workers of this same entry (src/node/cluster.ts).
const role = clusterRole(readOptions(process.env));
const options = role.options;
const readTextFile = (path: string) => readFileSync(path, "utf8");
const tls = readTlsFiles(process.env, { readTextFile, X509Certificate, createPrivateKey });
const out = new LogBuffer();
const log = processLogger(createLogger(options.logLevel, out.write, out.writeNow), role);
// Batched log lines (../log-buffer.ts) go out before the process ends: on process.exit (SIGTERM's path) and on a crash.
process.on("exit", out.flush);
if (role.primary) await superviseWorkers(role, port, hostname, log, tls !== undefined);
const app = createApp({
  runtime,
  options,
  log,
  // Relative to the working directory: run from the project root, as the npm scripts do.
  serveStatic: serveStatic({ root: "./public" }),
  health: role.health,
  wholeServerMetrics: role.index === undefined ? undefined : wholeServerMetrics,
});

const server = serve(
  { fetch: app.fetch, port, hostname, ...(tls && { createServer: createHttpsServer, serverOptions: tls }) },
  // A worker prints nothing: the primary prints the one line once every worker listens.
  (info) => role.index === undefined && console.log(readyLine("node", hostname, info.port, tls !== undefined)),
);
// HANDSHAKE_TIMEOUT_MS is the server's (a host app that mounts the echo sets its own server's).
applyHandshakeTimeout(server as Server, options.handshakeTimeout);
attachWebSocketServer(server, app.fetch);

const stop = () =>
  shutdown({ stopAccepting: () => server.close(), connections: app.connections, log }).finally(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
