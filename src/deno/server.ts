// Deno entry point: `deno task start`.
import { serveStatic } from "hono/deno";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createApp } from "../service.ts";
import { readListenOptions, readyLine } from "../listen.ts";
import { createLogger } from "../log.ts";
import { readOptions } from "../options.ts";
import { shutdown } from "../shutdown.ts";
import { readTlsFiles } from "../tls.ts";
import { runtime } from "./runtime.ts";

const env = Deno.env.toObject();
const { port, hostname } = readListenOptions(env);
const options = readOptions(env);
const tls = readTlsFiles(env, { readTextFile: Deno.readTextFileSync, X509Certificate, createPrivateKey });
const log = createLogger(options.logLevel);
const app = createApp({
  runtime,
  options,
  log,
  // Relative to the working directory: run from the project root, as `deno task start` does.
  serveStatic: serveStatic({ root: "./public" }),
});

const server = Deno.serve({
  port,
  hostname,
  ...tls,
  onListen: (addr) => console.log(readyLine("deno", hostname, addr.port, tls !== undefined)),
}, app.fetch);

const stop = () =>
  shutdown({ stopAccepting: () => void server.shutdown(), connections: app.connections, log }).finally(() =>
    Deno.exit(0)
  );
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
