import { Hono } from "hono";
import type { MiddlewareHandler } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import { createEchoApp } from "./echo-app.ts";

export type RuntimeName = "node" | "deno" | "bun" | "workers";

/** What a runtime's entry point gives the shared app: the rest is the same everywhere. */
export interface RuntimeBindings {
  runtime: RuntimeName;
  // deno-lint-ignore no-explicit-any -- each runtime's helper has its own socket and option types
  upgradeWebSocket: UpgradeWebSocket<any, any>;
  /** Serves `public/`. Absent on Workers, where Static Assets answer before the Worker runs. */
  serveStatic?: MiddlewareHandler;
}

/**
 * The whole service: the echo on `/ws`, a health probe on `/healthz`, the test
 * page from `public/`, 404 for anything else. Errors are logged and answered
 * with 500, never turned into a success.
 */
export function createApp({ runtime, upgradeWebSocket, serveStatic }: RuntimeBindings): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok", runtime }));
  app.route("/", createEchoApp(upgradeWebSocket));
  if (serveStatic) app.use("*", serveStatic);
  app.notFound((c) => c.text("Not Found\n", 404));
  app.onError((error, c) => {
    console.error(`${c.req.method} ${new URL(c.req.url).pathname} failed:`, error);
    return c.text("Internal Server Error\n", 500);
  });
  return app;
}
