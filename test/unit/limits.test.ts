import { WSContext } from "hono/ws";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { ConnectionRegistry } from "../../src/connections.ts";
import { createEchoEvents, type EchoContext } from "../../src/echo.ts";
import { KeepAlive } from "../../src/keep-alive.ts";
import { createLogger } from "../../src/log.ts";
import { DEFAULT_OPTIONS, type EchoOptions } from "../../src/options.ts";
import {
  ClientConnections,
  ConnectionLimits,
  IdleSweep,
  Limits,
  PENDING_HANDSHAKE_MS,
  TokenBucket,
} from "../../src/limits.ts";

const defaults = { maxConnectionsPerClient: 0, trustedProxies: [], maxMessagesPerSecond: 0, idleTimeout: 0 };

test("per client: past the maximum 429 with Retry-After; other clients and freed slots pass", () => {
  const clients = new ClientConnections(2);
  expect(clients.admit("a", 0)).toBeUndefined();
  clients.opened("a");
  expect(clients.admit("a", 0)).toBeUndefined();
  clients.opened("a");
  expect(clients.admit("a", 0)).toMatchObject({ status: 429, headers: { "Retry-After": "5" } });
  expect(clients.admit("a", 0)!.reason).toMatch(/MAX_CONNECTIONS_PER_CLIENT 2/);
  expect(clients.admit("b", 0)).toBeUndefined();
  clients.closed("a", true);
  expect(clients.admit("a", 0)).toBeUndefined();
  clients.opened("a");
  clients.closed("a", true);
  clients.closed("a", true);
  clients.closed("b", false); // its handshake never became a connection
  expect(clients.clients).toBe(0); // an address with nothing counted takes no memory
});

test("per client: an accepted handshake counts before its connection opens, so parallel handshakes cannot overshoot", () => {
  const clients = new ClientConnections(5);
  const answers = Array.from({ length: 50 }, () => clients.admit("a", 0)?.status ?? 101);
  expect(answers.filter((status) => status === 101)).toHaveLength(5);
  expect(answers.filter((status) => status === 429)).toHaveLength(45);
});

test(`per client: a handshake that never opens stops counting after ${PENDING_HANDSHAKE_MS} ms`, () => {
  const clients = new ClientConnections(1);
  expect(clients.admit("a", 0)).toBeUndefined();
  expect(clients.admit("a", PENDING_HANDSHAKE_MS - 1)?.status).toBe(429);
  expect(clients.admit("a", PENDING_HANDSHAKE_MS)).toBeUndefined();
  // ...but one that opens late is still counted as open.
  clients.opened("a");
  expect(clients.admit("a", 3 * PENDING_HANDSHAKE_MS)?.status).toBe(429);
  // Addresses left with only lapsed handshakes are swept away.
  for (let i = 0; i < 100; i++) clients.admit(`leaked ${i}`, 3 * PENDING_HANDSHAKE_MS);
  expect(clients.clients).toBe(101);
  clients.admit("b", 5 * PENDING_HANDSHAKE_MS);
  expect(clients.clients).toBe(2); // "a" (open) and "b"
});

test("the token bucket: a burst of `rate`, then `rate` a second", () => {
  const bucket = new TokenBucket(10, 0);
  for (let i = 0; i < 10; i++) expect(bucket.take(0), `burst #${i}`).toBe(true);
  expect(bucket.take(0)).toBe(false);
  expect(bucket.take(50)).toBe(false); // half a token back
  expect(bucket.take(100)).toBe(true); // one token per 100 ms
  expect(bucket.take(100)).toBe(false);
  // A long pause refills to the burst, never past it.
  let taken = 0;
  while (bucket.take(60_000)) taken++;
  expect(taken).toBe(10);
  // Sustained at the rate: every message passes.
  for (let t = 60_100; t < 70_000; t += 100) expect(bucket.take(t), `at ${t}`).toBe(true);
});

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("idle: closed after between the timeout and 1.5 times it without a message, never while messages come", () => {
  const sweep = new IdleSweep(400); // ticks every 100 ms
  const closed: number[] = [];
  const start = Date.now();
  const quiet = new ConnectionLimits({ onIdleTimeout: () => closed.push(Date.now() - start) }, undefined, start);
  const chatty = new ConnectionLimits({ onIdleTimeout: () => closed.push(-1) }, undefined, start);
  sweep.watch(quiet);
  sweep.watch(chatty);
  for (let t = 0; t < 2_000; t += 50) {
    chatty.admit();
    vi.advanceTimersByTime(50);
  }
  expect(closed).toHaveLength(1);
  expect(closed[0]).toBeGreaterThanOrEqual(400);
  expect(closed[0]).toBeLessThanOrEqual(600);
  expect(sweep.size).toBe(1);
  sweep.unwatch(chatty);
  expect(vi.getTimerCount()).toBe(0); // the timer stops with the last connection
});

test("idle: a message restarts the clock", () => {
  const sweep = new IdleSweep(400);
  let closes = 0;
  const conn = new ConnectionLimits({ onIdleTimeout: () => closes++ }, undefined, Date.now());
  sweep.watch(conn);
  vi.advanceTimersByTime(350);
  conn.admit();
  vi.advanceTimersByTime(350);
  expect(closes).toBe(0);
  vi.advanceTimersByTime(300);
  expect(closes).toBe(1);
  vi.advanceTimersByTime(2_000);
  expect(closes).toBe(1); // called once
});

test("an app's limits: nothing per connection at the defaults", () => {
  const limits = new Limits(defaults);
  expect(limits.resolvesClients).toBe(false);
  expect(limits.admit("127.0.0.1")).toBeUndefined();
  expect(limits.open({ onIdleTimeout() {} }, "127.0.0.1")).toBeUndefined();
  expect(vi.getTimerCount()).toBe(0);
});

test("an app's limits: counts per client, rate per connection, released at close", () => {
  const limits = new Limits({ ...defaults, maxConnectionsPerClient: 1, maxMessagesPerSecond: 2, idleTimeout: 1000 });
  expect(limits.admit("127.0.0.1")).toBeUndefined();
  const state = limits.open({ onIdleTimeout() {} }, "127.0.0.1")!;
  expect(limits.admit("127.0.0.1")?.status).toBe(429);
  expect(limits.admit(undefined)).toBeUndefined(); // no address known: not limited
  expect([state.admit(), state.admit(), state.admit()]).toEqual([true, true, false]);
  expect(limits.rateReason).toBe("message rate over MAX_MESSAGES_PER_SECOND (2/s)");
  limits.close(state, "127.0.0.1", true);
  expect(limits.admit("127.0.0.1")).toBeUndefined();
  expect(vi.getTimerCount()).toBe(0);
});

test("an app's limits: the client behind a trusted proxy", () => {
  const limits = new Limits({ ...defaults, trustedProxies: ["127.0.0.1"] });
  expect(limits.resolvesClients).toBe(true);
  const headers = new Headers({ "X-Forwarded-For": "6.6.6.6, 198.51.100.4" });
  expect(limits.clientOf("127.0.0.1", headers)).toBe("198.51.100.4");
  expect(limits.clientOf("127.0.0.2", headers)).toBe("127.0.0.2");
});

/** The echo's connection with limits on, over a fake socket (as in ./echo.test.ts). */
function echoWithLimits(options: Partial<EchoOptions>) {
  const settings = { ...DEFAULT_OPTIONS, ...options };
  const sent: string[] = [];
  const closes: [number | undefined, string | undefined][] = [];
  let readyState: 0 | 1 | 2 | 3 = 1;
  const ws = new WSContext({
    send: (data) => void sent.push(String(data)),
    close: (code, reason) => {
      closes.push([code, reason]);
      readyState = 2;
    },
    get readyState() {
      return readyState;
    },
  });
  const limits = new Limits(settings);
  const ctx: EchoContext = {
    options: settings,
    connections: new ConnectionRegistry(),
    keepAlive: new KeepAlive({ interval: 0, timeout: 0 }),
    log: createLogger("silent"),
    control: () => ({ bufferedAmount: 0, close: (code, reason) => ws.close(code, reason), terminate: () => {} }),
    limits,
  };
  return { ws, sent, closes, limits, ctx };
}

const closeEvent = (code: number) => Object.assign(new Event("close"), { code, reason: "" }) as CloseEvent;

test("the echo over the rate: 1008 naming the limit, and nothing more echoed", () => {
  const { ws, sent, closes, ctx } = echoWithLimits({ maxMessagesPerSecond: 3 });
  const events = createEchoEvents(ctx, "127.0.0.1");
  events.onOpen!(new Event("open"), ws);
  for (let i = 0; i < 6; i++) events.onMessage!(new MessageEvent("message", { data: `m${i}` }), ws);
  expect(sent).toEqual(["m0", "m1", "m2"]);
  expect(closes).toEqual([[1008, "message rate over MAX_MESSAGES_PER_SECOND (3/s)"]]);
});

test("the echo when idle: 1001 naming IDLE_TIMEOUT_MS; the client's count released at close", () => {
  const { ws, closes, ctx, limits } = echoWithLimits({ idleTimeout: 400, maxConnectionsPerClient: 1 });
  expect(limits.admit("127.0.0.1")).toBeUndefined();
  const events = createEchoEvents(ctx, "127.0.0.1");
  events.onOpen!(new Event("open"), ws);
  expect(limits.admit("127.0.0.1")?.status).toBe(429);
  vi.advanceTimersByTime(700);
  expect(closes).toEqual([[1001, "no message for 400 ms (IDLE_TIMEOUT_MS)"]]);
  events.onClose!(closeEvent(1001), ws);
  expect(limits.admit("127.0.0.1")).toBeUndefined();
  expect(vi.getTimerCount()).toBe(0);
});

test("a connection that closes before it opened releases its handshake's count, not an open one's", () => {
  const { ws, ctx, limits } = echoWithLimits({ maxConnectionsPerClient: 2 });
  limits.admit("127.0.0.1");
  createEchoEvents(ctx, "127.0.0.1").onOpen!(new Event("open"), ws);
  limits.admit("127.0.0.1");
  createEchoEvents(ctx, "127.0.0.1").onClose!(closeEvent(1006), ws);
  expect(limits.clients!.count("127.0.0.1")).toBe(1);
});
