import { Hono, type MiddlewareHandler } from "hono";
import { createEchoApp, type EchoApp } from "./echo-app.ts";
import { malformedHost } from "./handshake.ts";
import type { Logger } from "./log.ts";
import type { EchoMetrics } from "./metrics.ts";
import { metricsAuth, metricsHandler, type WholeServerMetrics } from "./metrics-route.ts";
import type { EchoOptions } from "./options.ts";
import type { EchoRuntime } from "./runtime.ts";
import { securityHeaders } from "./security-headers.ts";
import { isWebSocketUpgrade } from "./upgrade.ts";

/** What `createApp` needs: a runtime, the options and a logger, and where static files come from. */
export interface ServiceConfig {
  runtime: EchoRuntime;
  options: EchoOptions;
  log: Logger;
  /** Serves `public/`. Absent on Workers, where Static Assets answer before the Worker runs. */
  serveStatic?: MiddlewareHandler;
  /** Fields /healthz adds about the answering process (src/supervisor.ts `ProcessHealth`); none on Workers. */
  health?: Readonly<Record<string, string | number>>;
  /** WORKERS > 1: makes `/metrics` answer for the whole server from this worker's counters (src/<runtime>/cluster.ts). */
  wholeServerMetrics?: ((metrics: EchoMetrics) => WholeServerMetrics) | undefined;
}

/**
 * The whole service: the echo on `/ws`, a health probe on `/healthz`, the test
 * page from `public/`, 404 for anything else. Errors are logged and answered
 * with 500, never turned into a success.
 *
 * Hono runs handlers in the order they were registered, and a middleware
 * registered after a route never runs for it: the two middlewares come first,
 * so that every answer, the echo's 426 and refusals included, passes them.
 * Registered before an upgrade route, a middleware that sets headers once
 * broke Deno's 101, whose headers are immutable (honojs/hono#2535): the
 * security headers leave a 101 they cannot change as it is.
 */
export function createApp(
  { runtime, options, log, serveStatic, health, wholeServerMetrics }: ServiceConfig,
): EchoApp {
  const echo = createEchoApp(runtime, options, log);
  const app = new Hono();
  app.use("*", securityHeaders());
  // The echo's handshake rules check Host on /ws; this answers every request
  // the same, including the ones Bun hands over with a relative URL ("/ws")
  // when their Host is malformed, so that they match no route.
  app.use("*", async (c, next) => {
    if (malformedHost(c.req.raw.headers)) {
      if (isWebSocketUpgrade(c.req.raw.headers)) echo.metrics?.refused(400);
      return c.text("Bad Request: malformed Host\n", 400);
    }
    await next();
  });
  // `connections`: this process's open WebSockets (on Workers: this isolate's).
  app.get(
    "/healthz",
    (c) => c.json({ status: "ok", runtime: runtime.name, connections: echo.connections.size, ...health }),
  );
  // Prometheus metrics (./metrics.ts); METRICS=off leaves the path to the 404 below.
  if (echo.metrics) {
    const handler = metricsHandler(echo.metrics, wholeServerMetrics?.(echo.metrics));
    app.get("/metrics", metricsAuth(options.metricsToken), handler);
  }
  app.route("/", echo);
  if (serveStatic) app.use("*", serveStatic);
  app.notFound((c) => c.text("Not Found\n", 404));
  app.onError((error, c) => {
    log.error("request failed", { method: c.req.method, path: c.req.path, error: error.stack ?? error.message });
    return c.text("Internal Server Error\n", 500);
  });
  return Object.assign(app, { connections: echo.connections, settings: echo.settings, metrics: echo.metrics });
}
