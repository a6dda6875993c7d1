import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { KeepAlive } from "../../src/keep-alive.ts";
import type { SocketControl } from "../../src/socket-control.ts";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function peer({ pingThrows = false } = {}) {
  const pings: number[] = [];
  const control: SocketControl = {
    bufferedAmount: 0,
    terminate: () => {},
    ping: () => {
      if (pingThrows) throw new Error("WebSocket is not open");
      pings.push(Date.now());
    },
  };
  return { control, pings };
}

/** A connection that counts its keep-alive timeouts. */
function connection() {
  return { onKeepAliveTimeout: vi.fn() };
}

test("pings every interval, at most a quarter of the shorter duration late, while pongs come back", () => {
  const keepAlive = new KeepAlive({ interval: 100, timeout: 60 }); // ticks every 15 ms
  const { control, pings } = peer();
  const conn = connection();
  const start = Date.now();
  const beat = keepAlive.watch(control, conn)!;
  for (let i = 0; i < 5; i++) {
    vi.advanceTimersByTime(115);
    expect(pings, `ping #${i + 1}`).toHaveLength(i + 1);
    beat.pong();
  }
  const gaps = pings.map((at, i) => at - (i === 0 ? start : pings[i - 1]!));
  for (const gap of gaps) {
    expect(gap).toBeGreaterThanOrEqual(100);
    expect(gap).toBeLessThanOrEqual(115);
  }
  expect(conn.onKeepAliveTimeout).not.toHaveBeenCalled();
  keepAlive.unwatch(beat);
  vi.advanceTimersByTime(1_000);
  expect(pings).toHaveLength(5);
  expect(vi.getTimerCount()).toBe(0); // the last unwatch stops the shared timer
});

test("a peer that does not answer within the timeout is declared dead, once", () => {
  const keepAlive = new KeepAlive({ interval: 100, timeout: 40 }); // ticks every 10 ms
  const { control, pings } = peer();
  const conn = connection();
  keepAlive.watch(control, conn);
  vi.advanceTimersByTime(100);
  expect(pings).toHaveLength(1);
  vi.advanceTimersByTime(39);
  expect(conn.onKeepAliveTimeout).not.toHaveBeenCalled();
  vi.advanceTimersByTime(11);
  expect(conn.onKeepAliveTimeout).toHaveBeenCalledOnce();
  vi.advanceTimersByTime(1_000);
  expect(conn.onKeepAliveTimeout).toHaveBeenCalledOnce();
  expect(pings).toHaveLength(1);
  expect(vi.getTimerCount()).toBe(0);
});

test("one timer for many connections; one that throws or dies does not stop the others", () => {
  const keepAlive = new KeepAlive({ interval: 100, timeout: 100 });
  const peers = Array.from({ length: 100 }, () => peer());
  const broken = peer({ pingThrows: true });
  keepAlive.watch(broken.control, connection());
  for (const p of peers) keepAlive.watch(p.control, connection());
  expect(vi.getTimerCount()).toBe(1);
  vi.advanceTimersByTime(125);
  for (const p of peers) expect(p.pings).toHaveLength(1);
});

test("timeout 0 pings every interval without a verdict", () => {
  const keepAlive = new KeepAlive({ interval: 100, timeout: 0 });
  const { control, pings } = peer();
  const conn = connection();
  keepAlive.watch(control, conn);
  vi.advanceTimersByTime(1_000);
  expect(pings).toHaveLength(10);
  expect(conn.onKeepAliveTimeout).not.toHaveBeenCalled();
});

test("interval 0 sends no pings; where the runtime cannot ping nothing is watched", () => {
  const { control, pings } = peer();
  expect(new KeepAlive({ interval: 0, timeout: 50 }).watch(control, connection())).toBeUndefined();
  const noPing: SocketControl = { bufferedAmount: 0, terminate: () => {} };
  expect(new KeepAlive({ interval: 10, timeout: 5 }).watch(noPing, connection())).toBeUndefined();
  vi.advanceTimersByTime(1_000);
  expect(pings).toHaveLength(0);
  expect(vi.getTimerCount()).toBe(0);
});
