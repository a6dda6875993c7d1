// A user's code, against the published entry points (resolved through package.json "exports").
import { Hono } from "hono";
import { createEchoApp, type EchoOptions, readOptions } from "ws-echo";
import { serve } from "@hono/node-server";
import { attachWebSocketServer, runtime } from "ws-echo/node";

const options: Partial<EchoOptions> = { ...readOptions({ SUBPROTOCOLS: "chat" }), logLevel: "silent" };
export const app = new Hono().route("/echo", createEchoApp(runtime, options));
export const start = () => attachWebSocketServer(serve({ fetch: app.fetch, port: 0 }), app.fetch);
