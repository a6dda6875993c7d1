import { Hono } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import { createEchoEvents } from "./echo.ts";
import { isWebSocketUpgrade } from "./upgrade.ts";

/**
 * The echo endpoint as a Hono app of its own, answering on `/ws`: mount it in
 * any Hono app with `app.route(prefix, createEchoApp(upgradeWebSocket))`,
 * passing the `upgradeWebSocket` of the runtime the app runs on.
 *
 * A request for `/ws` that is not a WebSocket handshake gets
 * `426 Upgrade Required` (RFC 9110 §15.5.22), never 404 or 5xx; a handshake
 * with a method other than GET gets 405 (RFC 6455 §4.1: the handshake is a GET).
 */
// deno-lint-ignore no-explicit-any -- each runtime's helper has its own socket and option types
export function createEchoApp(upgradeWebSocket: UpgradeWebSocket<any, any>): Hono {
  const app = new Hono();
  app.all(
    "/ws",
    async (c, next) => {
      if (!isWebSocketUpgrade(c.req.raw.headers)) {
        return c.text("This endpoint speaks WebSocket only.\n", 426, { Upgrade: "websocket", Connection: "Upgrade" });
      }
      if (c.req.method !== "GET") return c.text("A WebSocket handshake is a GET.\n", 405, { Allow: "GET" });
      await next();
    },
    upgradeWebSocket(() => createEchoEvents()),
  );
  return app;
}
