// Bun entry point: `bun src/bun/server.ts`.
import { serveStatic } from "hono/bun";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import process from "node:process";
import { readListenOptions } from "../listen.ts";
import { createLogger } from "../log.ts";
import { LogBuffer } from "../log-buffer.ts";
import { readOptions } from "../options.ts";
import { createApp } from "../service.ts";
import { shutdown } from "../shutdown.ts";
import { processLogger } from "../supervisor.ts";
import { readTlsFiles } from "../tls.ts";
import { announce, clusterRole, superviseWorkers, wholeServerMetrics } from "./cluster.ts";
import { runtime, websocketHandler } from "./runtime.ts";

const { port, hostname } = readListenOptions(Bun.env);
// WORKERS > 1: this process is the primary and supervises workers of this same entry (src/bun/cluster.ts).
const role = clusterRole(readOptions(Bun.env));
const options = role.options;
const readTextFile = (path: string) => readFileSync(path, "utf8");
const tls = readTlsFiles(Bun.env, { readTextFile, X509Certificate, createPrivateKey });
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

const server = Bun.serve({
  port,
  hostname,
  tls,
  reusePort: role.index !== undefined,
  fetch: app.fetch,
  websocket: websocketHandler(app),
});
announce(role, hostname, server.port ?? port, tls !== undefined);

const stop = () =>
  shutdown({ stopAccepting: () => void server.stop(), connections: app.connections, log }).finally(() =>
    process.exit(0)
  );
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
