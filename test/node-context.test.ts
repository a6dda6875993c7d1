// The WSContext Node's adapter hands to the events, in-process: the wire cannot
// show it. The other runtimes' adapters give the same (`url` null, `protocol`
// null or the one chosen), see docs/runtime-differences.md.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { WSContext } from "hono/ws";
import type { AddressInfo } from "node:net";
import { afterAll, expect, test } from "vitest";
import { createEchoApp } from "../src/echo-app.ts";
import { attachWebSocketServer, runtime } from "../src/node/runtime.ts";
import { DEFAULT_OPTIONS } from "../src/options.ts";
import { EchoClient } from "./harness/client.ts";
import { until, within } from "./harness/deadline.ts";

const contexts: { onOpen: WSContext; onMessage: WSContext; onClose?: WSContext }[] = [];
const app = new Hono();
app.get(
  "/ws",
  runtime.upgradeWebSocket(() => {
    const seen = {} as (typeof contexts)[number];
    contexts.push(seen);
    return {
      onOpen: (_event, ws) => void (seen.onOpen = ws),
      onMessage: (event, ws) => {
        seen.onMessage = ws;
        ws.send(String(event.data));
      },
      onClose: (_event, ws) => void (seen.onClose = ws),
    };
  }, { ...DEFAULT_OPTIONS, subprotocols: ["chat"], keepAliveInterval: 0 }),
);
// The echo app mounted as a user would, its options given once: to createEchoApp alone.
app.route("/echo", createEchoApp(runtime, { subprotocols: ["chat"], maxMessageSize: 1000, logLevel: "silent" }));
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
attachWebSocketServer(server, app.fetch);
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function listening(): Promise<number> {
  await within(
    5_000,
    "the server to listen",
    new Promise<void>((resolve) => server.listening ? resolve() : server.once("listening", resolve)),
  );
  return (server.address() as AddressInfo).port;
}

async function roundTrip(protocols: string[]): Promise<void> {
  const port = await listening();
  const client = await EchoClient.open(`ws://127.0.0.1:${port}/ws`, { protocols }, 5_000);
  client.send("hi");
  await client.next(5_000);
  await client.close(1000, "", 5_000);
}

test("one WSContext per connection, url null, protocol null without a sub-protocol or the one chosen", async () => {
  await roundTrip([]);
  await roundTrip(["other", "chat"]);
  await until(5_000, "both server-side closes", () => contexts.every((c) => c.onClose), 10);
  expect(contexts).toHaveLength(2);
  for (const seen of contexts) {
    expect(seen.onMessage).toBe(seen.onOpen);
    expect(seen.onClose).toBe(seen.onOpen);
    expect(seen.onOpen.url).toBeNull();
  }
  expect(contexts.map((c) => c.onOpen.protocol)).toEqual([null, "chat"]);
  expect(contexts[0]!.onOpen).not.toBe(contexts[1]!.onOpen);
});

test("the ws server takes the echo app's options, given to createEchoApp alone: sub-protocol and size limit", async () => {
  const port = await listening();
  const client = await EchoClient.open(`ws://127.0.0.1:${port}/echo/ws`, { protocols: ["other", "chat"] }, 5_000);
  expect(client.socket.protocol).toBe("chat");
  client.send(Buffer.alloc(1000, 1));
  expect((await client.next(5_000, "the echo at the limit")).data.length).toBe(1000);
  client.send(Buffer.alloc(1001, 2));
  expect((await within(5_000, "the close after 1,001 bytes", client.closed)).code).toBe(1009);
});
