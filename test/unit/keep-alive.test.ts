import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { startKeepAlive } from "../../src/keep-alive.ts";
import type { SocketControl } from "../../src/socket-control.ts";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function peer() {
  let pong = () => {};
  const pings: number[] = [];
  const control: SocketControl = {
    bufferedAmount: () => 0,
    terminate: () => {},
    ping: () => pings.push(Date.now()),
    onPong: (listener) => (pong = listener),
  };
  return { control, pings, pong: () => pong() };
}

test("pings every interval while pongs come back", () => {
  const { control, pings, pong } = peer();
  const dead = vi.fn();
  const stop = startKeepAlive(control, { interval: 100, timeout: 50 }, dead);
  for (let i = 0; i < 5; i++) {
    vi.advanceTimersByTime(100);
    pong();
  }
  expect(pings).toHaveLength(5);
  expect(dead).not.toHaveBeenCalled();
  stop();
  vi.advanceTimersByTime(1000);
  expect(pings).toHaveLength(5);
});

test("a peer that does not answer within the timeout is declared dead", () => {
  const { control } = peer();
  const dead = vi.fn();
  startKeepAlive(control, { interval: 100, timeout: 50 }, dead);
  vi.advanceTimersByTime(149);
  expect(dead).not.toHaveBeenCalled();
  vi.advanceTimersByTime(1);
  expect(dead).toHaveBeenCalledOnce();
});

test("interval 0 sends no pings; where the runtime cannot ping nothing happens", () => {
  const { control, pings } = peer();
  startKeepAlive(control, { interval: 0, timeout: 50 }, () => {});
  startKeepAlive({ bufferedAmount: () => 0, terminate: () => {} }, { interval: 10, timeout: 5 }, () => {});
  vi.advanceTimersByTime(1000);
  expect(pings).toHaveLength(0);
});
