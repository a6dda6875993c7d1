/**
 * ws-echo: a WebSocket echo endpoint for any Hono app, on Node, Deno, Bun and
 * Cloudflare Workers. Mount it with the runtime of your choice:
 *
 * ```ts
 * import { Hono } from "hono";
 * import { createEchoApp } from "ws-echo";
 * import { runtime } from "ws-echo/bun"; // or ws-echo/node, ws-echo/deno, ws-echo/workers
 *
 * const app = new Hono();
 * app.route("/echo", createEchoApp(runtime, { subprotocols: ["chat"] })); // WebSocket on /echo/ws
 * ```
 *
 * @module
 */
export { createApp, type ServiceConfig } from "./service.ts";
export { createEchoApp, type EchoApp } from "./echo-app.ts";
export { selectSubprotocol } from "./handshake.ts";
export { createLogger, type LogFields, type Logger } from "./log.ts";
export {
  EchoMetrics,
  mergeSnapshots,
  type MetricsSnapshot,
  type ProcessMetrics,
  PROMETHEUS_CONTENT_TYPE,
  prometheusText,
} from "./metrics.ts";
export { metricsAuth, metricsHandler } from "./metrics-route.ts";
export { DEFAULT_OPTIONS, type EchoOptions, LOG_LEVELS, type LogLevel, OptionError, readOptions } from "./options.ts";
export type { EchoRuntime, RuntimeName, UpgradeOptions } from "./runtime.ts";
export type { SocketControl } from "./socket-control.ts";
