import { Hono } from "hono";
import { defineWebSocketHelper, type WSEvents } from "hono/ws";
import { describe, expect, test } from "vitest";
import { createApp } from "../../src/app.ts";
import { createEchoApp } from "../../src/echo-app.ts";

/** An upgrade helper without a runtime: it records the events and answers 200 with a marker header. */
function fakeUpgrade() {
  const seen: WSEvents[] = [];
  const upgradeWebSocket = defineWebSocketHelper((_c, events) => {
    seen.push(events);
    return new Response(null, { headers: { "x-upgraded": "yes" } });
  });
  return { upgradeWebSocket, seen };
}

const handshake = { upgrade: "WebSocket", connection: "keep-alive, Upgrade" };

describe("routing", () => {
  test("a handshake on /ws reaches the runtime's upgrade helper with the echo events", async () => {
    const { upgradeWebSocket, seen } = fakeUpgrade();
    const app = createApp({ runtime: "node", upgradeWebSocket });
    const response = await app.request("/ws", { headers: handshake });
    expect(response.headers.get("x-upgraded")).toBe("yes");
    expect(seen).toHaveLength(1);
    expect(typeof seen[0]!.onMessage).toBe("function");
  });

  test.each(["GET", "POST", "HEAD", "PUT", "DELETE"])("%s /ws without an upgrade: 426", async (method) => {
    const { upgradeWebSocket, seen } = fakeUpgrade();
    const response = await createApp({ runtime: "node", upgradeWebSocket }).request("/ws", { method });
    expect(response.status).toBe(426);
    expect(response.headers.get("upgrade")).toBe("websocket");
    expect(seen).toHaveLength(0);
  });

  test("a handshake with POST: 405 with Allow: GET", async () => {
    const { upgradeWebSocket, seen } = fakeUpgrade();
    const response = await createApp({ runtime: "node", upgradeWebSocket }).request("/ws", {
      method: "POST",
      headers: handshake,
    });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET");
    expect(seen).toHaveLength(0);
  });

  test("a handshake on another path is not upgraded: 404", async () => {
    const { upgradeWebSocket, seen } = fakeUpgrade();
    const response = await createApp({ runtime: "node", upgradeWebSocket }).request("/other", { headers: handshake });
    expect(response.status).toBe(404);
    expect(seen).toHaveLength(0);
  });

  test("/healthz names the runtime", async () => {
    const app = createApp({ runtime: "workers", upgradeWebSocket: fakeUpgrade().upgradeWebSocket });
    expect(await (await app.request("/healthz")).json()).toEqual({ status: "ok", runtime: "workers" });
  });

  test("static files come after the app's own routes", async () => {
    const app = createApp({
      runtime: "node",
      upgradeWebSocket: fakeUpgrade().upgradeWebSocket,
      serveStatic: (c, next) => (c.req.path === "/" ? Promise.resolve(c.html("<p>page</p>")) : next()),
    });
    expect(await (await app.request("/")).text()).toBe("<p>page</p>");
    expect((await app.request("/healthz")).status).toBe(200);
    expect((await app.request("/missing")).status).toBe(404);
  });

  test("an error is logged and answered 500, never a success", async () => {
    const failing = defineWebSocketHelper(() => {
      throw new Error("boom");
    });
    const app = createApp({ runtime: "node", upgradeWebSocket: failing });
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      expect((await app.request("/ws", { headers: handshake })).status).toBe(500);
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(1);
  });

  test("the echo app mounts under a prefix", async () => {
    const { upgradeWebSocket } = fakeUpgrade();
    const host = new Hono().route("/echo", createEchoApp(upgradeWebSocket));
    expect((await host.request("/echo/ws", { headers: handshake })).headers.get("x-upgraded")).toBe("yes");
    expect((await host.request("/echo/ws")).status).toBe(426);
  });
});
