// The WSContext Node's adapter hands to the events, in-process: the wire cannot
// show it. The other runtimes' adapters give the same (`url` null, `protocol`
// null or the one chosen), see README "Runtime differences".
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { WSContext } from "hono/ws";
import type { AddressInfo } from "node:net";
import { afterAll, expect, test } from "vitest";
import { WebSocket } from "ws";
import { attachWebSocketServer, runtime } from "../src/node/runtime.ts";
import { within } from "./harness/deadline.ts";

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
  }, { protocols: ["chat"], keepAliveInterval: 0 }),
);
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
attachWebSocketServer(server, app.fetch, { subprotocols: ["chat"] });
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function roundTrip(protocols: string[]): Promise<void> {
  await within(
    5_000,
    "the server to listen",
    new Promise<void>((resolve) => server.listening ? resolve() : server.once("listening", resolve)),
  );
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/ws`, protocols);
  await within(
    5_000,
    "the handshake",
    new Promise((resolve, reject) => client.once("open", resolve).once("error", reject)),
  );
  client.send("hi");
  await within(5_000, "the echo", new Promise((resolve) => client.once("message", resolve)));
  client.close(1000);
  await within(5_000, "the close", new Promise((resolve) => client.once("close", resolve)));
}

test("one WSContext per connection, url null, protocol null without a sub-protocol or the one chosen", async () => {
  await roundTrip([]);
  await roundTrip(["other", "chat"]);
  await within(
    5_000,
    "both server-side closes",
    new Promise<void>((resolve) => {
      const check = () => (contexts.every((c) => c.onClose) ? resolve() : setTimeout(check, 10));
      check();
    }),
  );
  expect(contexts).toHaveLength(2);
  for (const seen of contexts) {
    expect(seen.onMessage).toBe(seen.onOpen);
    expect(seen.onClose).toBe(seen.onOpen);
    expect(seen.onOpen.url).toBeNull();
  }
  expect(contexts.map((c) => c.onOpen.protocol)).toEqual([null, "chat"]);
  expect(contexts[0]!.onOpen).not.toBe(contexts[1]!.onOpen);
});
