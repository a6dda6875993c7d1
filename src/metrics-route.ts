import type { Handler, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { HTTPException } from "hono/http-exception";
import { type EchoMetrics, type MetricsSnapshot, PROMETHEUS_CONTENT_TYPE, prometheusText } from "./metrics.ts";

/**
 * `GET /metrics`'s guard: with a token set (METRICS_TOKEN), Hono's bearer-auth
 * middleware, which compares SHA-256 digests of the two tokens in constant
 * time and answers 401 with `WWW-Authenticate` to a missing or wrong token,
 * and 400 to an Authorization header that holds no bearer token (RFC 6750
 * §3.1). Without a token, it lets every request through.
 */
export function metricsAuth(token: string | undefined): MiddlewareHandler {
  if (token === undefined) return (_c, next) => next();
  const auth = bearerAuth({ token, realm: "metrics" });
  // bearerAuth throws its answer as an HTTPException: answered here, so that an
  // app's own onError (ours turns every error into a 500) never sees it.
  return async (c, next) => {
    try {
      return await auth(c, next);
    } catch (error) {
      if (error instanceof HTTPException) return error.getResponse();
      throw error;
    }
  };
}

/** Where a whole-server snapshot comes from with WORKERS > 1 (./metrics-cluster.ts); rejects when it cannot be had. */
export type WholeServerMetrics = () => Promise<MetricsSnapshot>;

/**
 * `GET /metrics`: the app's counters in the Prometheus text format 0.0.4
 * (./metrics.ts); with `wholeServer`, the whole server's, or 503 when the
 * primary does not answer in time (a scrape never gets one process's figures
 * under the server's name).
 */
export function metricsHandler(metrics: EchoMetrics, wholeServer?: WholeServerMetrics): Handler {
  const headers = { "Content-Type": PROMETHEUS_CONTENT_TYPE, "Cache-Control": "no-store" };
  if (!wholeServer) return (c) => c.body(prometheusText(metrics.snapshot()), 200, headers);
  return async (c) => {
    try {
      return c.body(prometheusText(await wholeServer()), 200, headers);
    } catch (error) {
      return c.text(`Service Unavailable: ${(error as Error).message}\n`, 503, { "Retry-After": "1" });
    }
  };
}
