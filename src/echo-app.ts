import { Hono } from "hono";
import { ConnectionRegistry } from "./connections.ts";
import { createEchoEvents } from "./echo.ts";
import { refuseHandshake } from "./handshake.ts";
import { KeepAlive } from "./keep-alive.ts";
import { Limits } from "./limits.ts";
import { createLogger, type Logger } from "./log.ts";
import { EchoMetrics } from "./metrics.ts";
import { DEFAULT_OPTIONS, type EchoOptions } from "./options.ts";
import type { EchoRuntime } from "./runtime.ts";
import { isWebSocketUpgrade } from "./upgrade.ts";

/** Where the handshake check leaves the client's address for the connection (Hono's context variables). */
const CLIENT = "wsEchoClient";

/** The echo endpoint's Hono app, with its open connections and its options. */
export interface EchoApp extends Hono {
  /** The open WebSockets, for graceful shutdown. */
  readonly connections: ConnectionRegistry;
  /**
   * The options, defaults filled in: the one copy (not `options`, which is
   * Hono's method for the OPTIONS verb). What a host wires on Node
   * and Bun reads them from here (see `websocketHandler` in ws-echo/bun).
   */
  readonly settings: Readonly<EchoOptions>;
  /** Its counters for `/metrics` (./metrics.ts); undefined with `metrics: false` (METRICS=off). */
  readonly metrics: EchoMetrics | undefined;
}

/**
 * The echo endpoint as a Hono app of its own, answering on `/ws`. Mount it in
 * any Hono app on any runtime:
 *
 * ```ts
 * import { runtime } from "ws-echo/bun";
 * app.route("/echo", createEchoApp(runtime, { subprotocols: ["chat"] }));
 * ```
 *
 * A request for `/ws` that is not a WebSocket handshake gets 426 (RFC 9110
 * §15.5.22), never 404 or 5xx; a handshake with another method than GET gets
 * 405 (RFC 6455 §4.1); then `refuseHandshake`'s rules apply.
 */
export function createEchoApp(
  runtime: EchoRuntime,
  options: Partial<EchoOptions> = {},
  log: Logger = createLogger(options.logLevel ?? DEFAULT_OPTIONS.logLevel),
): EchoApp {
  const settings: Readonly<EchoOptions> = { ...DEFAULT_OPTIONS, ...options };
  const connections = new ConnectionRegistry();
  const keepAlive = new KeepAlive({ interval: settings.keepAliveInterval, timeout: settings.keepAliveTimeout });
  const metrics = settings.metrics
    ? new EchoMetrics(connections, { process: runtime.processMetrics, utf8Length: runtime.utf8Length })
    : undefined;
  const limits = new Limits(settings);
  const context = { options: settings, connections, keepAlive, log, metrics, control: runtime.socketControl, limits };
  const app = new Hono();
  app.all(
    "/ws",
    async (c, next) => {
      if (!isWebSocketUpgrade(c.req.raw.headers)) {
        metrics?.refused(426);
        return c.text("This endpoint speaks WebSocket only.\n", 426, { Upgrade: "websocket", Connection: "Upgrade" });
      }
      if (c.req.method !== "GET") {
        metrics?.refused(405);
        return c.text("A WebSocket handshake is a GET.\n", 405, { Allow: "GET" });
      }
      // The client's address only where a limit or TRUSTED_PROXIES needs it (see ./limits.ts).
      const client = limits.resolvesClients
        ? limits.clientOf(runtime.remoteAddress?.(c), c.req.raw.headers)
        : undefined;
      if (client !== undefined) c.set(CLIENT as never, client as never);
      const refusal = refuseHandshake(c.req.raw.headers, settings, connections.size) ?? limits.admit(client);
      if (refusal) {
        metrics?.refused(refusal.status);
        log.debug("ws refused", { status: refusal.status, reason: refusal.reason });
        return c.text(`${refusal.reason}\n`, refusal.status, refusal.headers);
      }
      await next();
    },
    runtime.upgradeWebSocket(
      (c) => createEchoEvents(context, c.get(CLIENT as never) ?? runtime.remoteAddress?.(c)),
      settings,
    ),
  );
  return Object.assign(app, { connections, settings, metrics });
}
