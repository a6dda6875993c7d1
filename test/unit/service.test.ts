import { type Context, Hono, type Next } from "hono";
import { defineWebSocketHelper, type WSEvents } from "hono/ws";
import { describe, expect, test } from "vitest";
import { createApp } from "../../src/service.ts";
import { createEchoApp } from "../../src/echo-app.ts";
import { createLogger } from "../../src/log.ts";
import { DEFAULT_OPTIONS, type EchoOptions } from "../../src/options.ts";
import type { EchoRuntime, UpgradeOptions } from "../../src/runtime.ts";

/** A runtime without a runtime: its upgrade helper records what it got and answers 200 with a marker. */
function fakeRuntime() {
  const seen: { events: WSEvents; options: UpgradeOptions | undefined }[] = [];
  const runtime: EchoRuntime = {
    name: "node",
    upgradeWebSocket: defineWebSocketHelper<unknown, UpgradeOptions>((_c, events, options) => {
      seen.push({ events, options });
      return new Response(null, { headers: { "x-upgraded": "yes" } });
    }),
    socketControl: (ws) => ({
      bufferedAmount: 0,
      close: (code, reason) => ws.close(code, reason),
      terminate: () => {},
    }),
  };
  return { runtime, seen };
}

const silent = createLogger("silent");
const app = (runtime: EchoRuntime, options: Partial<EchoOptions> = {}) =>
  createApp({ runtime, options: { ...DEFAULT_OPTIONS, ...options }, log: silent });

const handshake = {
  upgrade: "WebSocket",
  connection: "keep-alive, Upgrade",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
  "sec-websocket-version": "13",
};

describe("routing", () => {
  test("a handshake on /ws reaches the runtime's upgrade helper with the echo events and options", async () => {
    const { runtime, seen } = fakeRuntime();
    const service = app(runtime, { subprotocols: ["a", "b"], keepAliveInterval: 1234 });
    const response = await service.request("/ws", { headers: handshake });
    expect(response.headers.get("x-upgraded")).toBe("yes");
    expect(seen).toHaveLength(1);
    expect(typeof seen[0]!.events.onMessage).toBe("function");
    // The app's settled options themselves: the one copy that Node's and Bun's wiring read too.
    expect(seen[0]!.options).toBe(service.settings);
    expect(service.settings).toMatchObject({ subprotocols: ["a", "b"], keepAliveInterval: 1234 });
  });

  test.each(["GET", "POST", "HEAD", "PUT", "DELETE"])("%s /ws without an upgrade: 426", async (method) => {
    const { runtime, seen } = fakeRuntime();
    const response = await app(runtime).request("/ws", { method });
    expect(response.status).toBe(426);
    expect(response.headers.get("upgrade")).toBe("websocket");
    expect(seen).toHaveLength(0);
  });

  test("a handshake with POST: 405 with Allow: GET", async () => {
    const { runtime, seen } = fakeRuntime();
    const response = await app(runtime).request("/ws", { method: "POST", headers: handshake });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET");
    expect(seen).toHaveLength(0);
  });

  test("a handshake on another path is not upgraded: 404", async () => {
    const { runtime, seen } = fakeRuntime();
    const response = await app(runtime).request("/other", { headers: handshake });
    expect(response.status).toBe(404);
    expect(seen).toHaveLength(0);
  });

  test("/healthz names the runtime", async () => {
    const { runtime } = fakeRuntime();
    expect(await (await app({ ...runtime, name: "workers" }).request("/healthz")).json()).toEqual({
      status: "ok",
      runtime: "workers",
      connections: 0,
    });
  });

  test("static files come after the app's own routes", async () => {
    const service = createApp({
      runtime: fakeRuntime().runtime,
      options: DEFAULT_OPTIONS,
      log: silent,
      serveStatic: (c, next) => (c.req.path === "/" ? Promise.resolve(c.html("<p>page</p>")) : next()),
    });
    expect(await (await service.request("/")).text()).toBe("<p>page</p>");
    expect((await service.request("/healthz")).status).toBe(200);
    expect((await service.request("/missing")).status).toBe(404);
  });

  test("an error is logged and answered 500, never a success", async () => {
    const lines: string[] = [];
    const runtime: EchoRuntime = {
      ...fakeRuntime().runtime,
      upgradeWebSocket: defineWebSocketHelper(() => {
        throw new Error("boom");
      }),
    };
    const service = createApp({ runtime, options: DEFAULT_OPTIONS, log: createLogger("error", (l) => lines.push(l)) });
    expect((await service.request("/ws", { headers: handshake })).status).toBe(500);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "error", msg: "request failed", path: "/ws" });
  });

  test("the echo app mounts under a prefix", async () => {
    const host = new Hono().route("/echo", createEchoApp(fakeRuntime().runtime));
    expect((await host.request("/echo/ws", { headers: handshake })).headers.get("x-upgraded")).toBe("yes");
    expect((await host.request("/echo/ws")).status).toBe(426);
  });
});

describe("handshake rules", () => {
  const request = (runtime: EchoRuntime, headers: Record<string, string>, options: Partial<EchoOptions> = {}) =>
    app(runtime, options).request("/ws", { headers: { ...handshake, ...headers } });

  test.each(["8", "12", "14", ""])("Sec-WebSocket-Version %j: 426 naming version 13", async (version) => {
    const { runtime, seen } = fakeRuntime();
    const response = await request(runtime, { "sec-websocket-version": version });
    expect(response.status).toBe(426);
    expect(response.headers.get("sec-websocket-version")).toBe("13");
    expect(seen).toHaveLength(0);
  });

  test.each(["", "short", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZR==", "!!!!!!!!!!!!!!!!!!!!!A=="])(
    "Sec-WebSocket-Key %j: 400",
    async (key) => {
      const { runtime, seen } = fakeRuntime();
      expect((await request(runtime, { "sec-websocket-key": key })).status).toBe(400);
      expect(seen).toHaveLength(0);
    },
  );

  test("allowed origins: a listed origin and no origin pass, another gets 403", async () => {
    const options = { allowedOrigins: ["https://good.example"] };
    const { runtime, seen } = fakeRuntime();
    expect((await request(runtime, { origin: "https://good.example" }, options)).status).toBe(200);
    expect((await request(runtime, {}, options)).status).toBe(200);
    expect((await request(runtime, { origin: "https://evil.example" }, options)).status).toBe(403);
    expect((await request(runtime, { origin: "null" }, options)).status).toBe(403);
    expect(seen).toHaveLength(2);
  });

  test("past maxConnections: 503 with Retry-After", async () => {
    const { runtime, seen } = fakeRuntime();
    const service = app(runtime, { maxConnections: 1 });
    service.connections.add({ id: 1, registrySlot: -1, close: () => {} });
    const response = await service.request("/ws", { headers: handshake });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(seen).toHaveLength(0);
  });
});

describe("security headers on every answer of createApp", () => {
  const page = (c: Context, next: Next) => (c.req.path === "/" ? Promise.resolve(c.html("<p>page</p>")) : next());
  const answers: [string, string, RequestInit?, Partial<EchoOptions>?][] = [
    ["200 from the test page", "/"],
    ["200 from /healthz", "/healthz"],
    ["404", "/missing"],
    ["404 for Workers' own config file", "/_headers"],
    ["426 on /ws without a handshake", "/ws"],
    ["405 for a handshake with POST", "/ws", { method: "POST", headers: handshake }],
    ["426 for another Sec-WebSocket-Version", "/ws", { headers: { ...handshake, "sec-websocket-version": "8" } }],
    ["400 for a bad key", "/ws", { headers: { ...handshake, "sec-websocket-key": "short" } }],
    ["400 for a malformed Host", "/healthz", { headers: { host: "a b" } }],
    ["403 for a foreign origin", "/ws", { headers: { ...handshake, origin: "https://evil.example" } }, {
      allowedOrigins: ["https://good.example"],
    }],
    ["503 past maxConnections", "/ws", { headers: handshake }, { maxConnections: 0 as number }],
  ];
  test.each(answers)("%s", async (_name, path, init, options) => {
    const service = createApp({
      runtime: fakeRuntime().runtime,
      options: { ...DEFAULT_OPTIONS, ...options },
      log: silent,
      serveStatic: page,
    });
    const response = await service.request(path, init);
    expect(response.status).toBe(Number(_name.slice(0, 3)));
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test("500", async () => {
    const runtime: EchoRuntime = {
      ...fakeRuntime().runtime,
      upgradeWebSocket: defineWebSocketHelper(() => {
        throw new Error("boom");
      }),
    };
    const response = await createApp({ runtime, options: DEFAULT_OPTIONS, log: silent }).request("/ws", {
      headers: handshake,
    });
    expect(response.status).toBe(500);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test("a 101 whose headers are immutable (Deno's) goes out as the runtime made it", async () => {
    const upgrade = new Response(null);
    const frozen = new Headers({ upgrade: "websocket" });
    frozen.set = () => {
      throw new TypeError("Headers are immutable.");
    };
    Object.defineProperties(upgrade, { status: { value: 101 }, headers: { value: frozen } });
    const runtime: EchoRuntime = { ...fakeRuntime().runtime, upgradeWebSocket: defineWebSocketHelper(() => upgrade) };
    const response = await createApp({ runtime, options: DEFAULT_OPTIONS, log: silent }).request("/ws", {
      headers: handshake,
    });
    expect(response).toBe(upgrade);
  });
});

test("createEchoApp settles its options once, the defaults filled in", () => {
  const echo = createEchoApp(fakeRuntime().runtime, { maxMessageSize: 32 * 1024 * 1024 });
  expect(echo.settings).toEqual({ ...DEFAULT_OPTIONS, maxMessageSize: 32 * 1024 * 1024 });
});
