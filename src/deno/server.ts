// Deno entry point: `deno task start`.
import { serveStatic } from "hono/deno";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readListenOptions } from "../listen.ts";
import { createLogger } from "../log.ts";
import { LogBuffer } from "../log-buffer.ts";
import { readOptions } from "../options.ts";
import { createApp } from "../service.ts";
import { shutdown } from "../shutdown.ts";
import { processLogger } from "../supervisor.ts";
import { readTlsFiles } from "../tls.ts";
import { announce, clusterRole, superviseWorkers, wholeServerMetrics } from "./cluster.ts";
import { runtime } from "./runtime.ts";

const env = Deno.env.toObject();
const { port, hostname } = readListenOptions(env);
// WORKERS > 1: this process is the primary and supervises workers of this same entry (src/deno/cluster.ts).
const role = clusterRole(readOptions(env));
const options = role.options;
const tls = readTlsFiles(env, { readTextFile: Deno.readTextFileSync, X509Certificate, createPrivateKey });
const out = new LogBuffer();
const log = processLogger(createLogger(options.logLevel, out.write, out.writeNow), role);
// Batched log lines (../log-buffer.ts) go out before the process ends: Deno.exit (SIGTERM's path) fires
// "unload", an uncaught exception or rejection "error" or "unhandledrejection".
for (const event of ["unload", "error", "unhandledrejection"]) addEventListener(event, out.flush);
if (role.primary) await superviseWorkers(role, port, hostname, log, tls !== undefined);
const app = createApp({
  runtime,
  options,
  log,
  // Relative to the working directory: run from the project root, as `deno task start` does.
  serveStatic: serveStatic({ root: "./public" }),
  health: role.health,
  wholeServerMetrics: role.index === undefined ? undefined : wholeServerMetrics,
});

const server = Deno.serve({
  port,
  hostname,
  ...tls,
  reusePort: role.index !== undefined,
  onListen: (addr) => announce(role, hostname, addr.port, tls !== undefined),
}, app.fetch);

const stop = () =>
  shutdown({ stopAccepting: () => void server.shutdown(), connections: app.connections, log }).finally(() =>
    Deno.exit(0)
  );
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
