import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { KeepAlive, KeptAlive } from "../../src/keep-alive.ts";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A connection that records its pings and counts its keep-alive timeouts. */
class Peer extends KeptAlive {
  readonly pings: number[] = [];
  timeouts = 0;
  constructor(readonly pingThrows = false) {
    super();
  }
  protected sendPing(): void {
    if (this.pingThrows) throw new Error("WebSocket is not open");
    this.pings.push(Date.now());
  }
  onKeepAliveTimeout(): void {
    this.timeouts++;
  }
}

test("pings every interval, at most a quarter of the shorter duration late, while pongs come back", () => {
  const keepAlive = new KeepAlive({ interval: 100, timeout: 60 }); // ticks every 15 ms
  const conn = new Peer();
  const { pings } = conn;
  const start = Date.now();
  keepAlive.watch(conn);
  for (let i = 0; i < 5; i++) {
    vi.advanceTimersByTime(115);
    expect(pings, `ping #${i + 1}`).toHaveLength(i + 1);
    conn.onPong();
  }
  const gaps = pings.map((at, i) => at - (i === 0 ? start : pings[i - 1]!));
  for (const gap of gaps) {
    expect(gap).toBeGreaterThanOrEqual(100);
    expect(gap).toBeLessThanOrEqual(115);
  }
  expect(conn.timeouts).toBe(0);
  keepAlive.unwatch(conn);
  vi.advanceTimersByTime(1_000);
  expect(pings).toHaveLength(5);
  expect(vi.getTimerCount()).toBe(0); // the last unwatch stops the shared timer
});

test("a peer that does not answer within the timeout is declared dead, once", () => {
  const keepAlive = new KeepAlive({ interval: 100, timeout: 40 }); // ticks every 10 ms
  const conn = new Peer();
  keepAlive.watch(conn);
  vi.advanceTimersByTime(100);
  expect(conn.pings).toHaveLength(1);
  vi.advanceTimersByTime(39);
  expect(conn.timeouts).toBe(0);
  vi.advanceTimersByTime(11);
  expect(conn.timeouts).toBe(1);
  vi.advanceTimersByTime(1_000);
  expect(conn.timeouts).toBe(1);
  expect(conn.pings).toHaveLength(1);
  expect(vi.getTimerCount()).toBe(0);
});

test("one timer for many connections; one that throws or dies does not stop the others", () => {
  const keepAlive = new KeepAlive({ interval: 100, timeout: 100 });
  const peers = Array.from({ length: 100 }, () => new Peer());
  keepAlive.watch(new Peer(true));
  for (const p of peers) keepAlive.watch(p);
  expect(vi.getTimerCount()).toBe(1);
  vi.advanceTimersByTime(125);
  for (const p of peers) expect(p.pings).toHaveLength(1);
});

test("timeout 0 pings every interval without a verdict", () => {
  const keepAlive = new KeepAlive({ interval: 100, timeout: 0 });
  const conn = new Peer();
  keepAlive.watch(conn);
  vi.advanceTimersByTime(1_000);
  expect(conn.pings).toHaveLength(10);
  expect(conn.timeouts).toBe(0);
});

test("interval 0 sends no pings and starts no timer", () => {
  const conn = new Peer();
  new KeepAlive({ interval: 0, timeout: 50 }).watch(conn);
  vi.advanceTimersByTime(1_000);
  expect(conn.pings).toHaveLength(0);
  expect(vi.getTimerCount()).toBe(0);
});

test("a pong after the verdict does not undo it", () => {
  const keepAlive = new KeepAlive({ interval: 100, timeout: 40 });
  const conn = new Peer();
  keepAlive.watch(conn);
  vi.advanceTimersByTime(150);
  expect(conn.timeouts).toBe(1);
  expect(conn.timedOut).toBe(true);
  conn.onPong();
  expect(conn.timedOut).toBe(true);
  keepAlive.watch(new Peer()); // the shared timer runs again: the dead peer is not beaten
  vi.advanceTimersByTime(1_000);
  expect(conn.timeouts).toBe(1);
  expect(conn.pings).toHaveLength(1);
});

test("a pong in time answers the ping, and the next ping comes an interval after the last", () => {
  const keepAlive = new KeepAlive({ interval: 100, timeout: 40 });
  const conn = new Peer();
  keepAlive.watch(conn);
  vi.advanceTimersByTime(110);
  expect(conn.pings).toHaveLength(1);
  conn.onPong();
  expect(conn.timedOut).toBe(false);
  vi.advanceTimersByTime(80); // 80 ms after the ping: no second one yet, no verdict
  expect(conn.pings).toHaveLength(1);
  vi.advanceTimersByTime(30);
  expect(conn.pings).toHaveLength(2);
  expect(conn.timeouts).toBe(0);
});

test("a connection unwatched during a tick by another's timeout is not beaten in that tick", () => {
  const keepAlive = new KeepAlive({ interval: 100, timeout: 40 });
  const quiet = new Peer();
  class Dropper extends Peer {
    override onKeepAliveTimeout(): void {
      super.onKeepAliveTimeout();
      keepAlive.unwatch(quiet); // e.g. a shutdown closing the others
    }
  }
  const dropper = new Dropper();
  keepAlive.watch(dropper);
  vi.advanceTimersByTime(40);
  keepAlive.watch(quiet); // its first ping is due at 140 ms
  vi.advanceTimersByTime(60); // the dropper's ping at 100 ms: its verdict is due at 140 ms too
  expect(dropper.pings).toHaveLength(1);
  vi.advanceTimersByTime(40); // one tick: the dropper's verdict first (watched first), then the quiet one
  expect(dropper.timeouts).toBe(1);
  expect(quiet.pings).toHaveLength(0);
});
