// Node entry point: `node dist/node.js` (built by `npm run build`).
import { serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import process from "node:process";
import { createApp } from "../app.ts";
import { readListenOptions, readyLine } from "../listen.ts";
import { createLogger } from "../log.ts";
import { readOptions } from "../options.ts";
import { shutdown } from "../shutdown.ts";
import { processLogger } from "../supervisor.ts";
import { clusterRole, superviseWorkers } from "./cluster.ts";
import { attachWebSocketServer, runtime } from "./runtime.ts";

const { port, hostname } = readListenOptions(process.env);
// WORKERS > 1: this process is the primary and supervises workers of this same entry (src/node/cluster.ts).
const role = clusterRole(readOptions(process.env));
const options = role.options;
const log = processLogger(createLogger(options.logLevel), role);
if (role.primary) await superviseWorkers(role, port, hostname, log);
const app = createApp({
  runtime,
  options,
  log,
  // Relative to the working directory: run from the project root, as the npm scripts do.
  serveStatic: serveStatic({ root: "./public" }),
  health: role.health,
});

const server = serve(
  { fetch: app.fetch, port, hostname },
  // A worker prints nothing: the primary prints the one line once every worker listens.
  (info) => role.index === undefined && console.log(readyLine("node", hostname, info.port)),
);
attachWebSocketServer(server, app.fetch, options);

const stop = () =>
  shutdown({ stopAccepting: () => server.close(), connections: app.connections, log }).finally(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
