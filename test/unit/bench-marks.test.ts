// The window between two marks of the load clients, as every load and cores slice reports it.
import { describe, expect, test } from "vitest";
import { markedWindow } from "../../bench/load.ts";

describe("markedWindow", () => {
  test("sums messages and rates over the clients, and keeps the busiest client's CPU", () => {
    const m0 = [{ received: 100, wallMs: 0, cpuUs: 0 }, { received: 0, wallMs: 10, cpuUs: 0 }];
    const m1 = [{ received: 600, wallMs: 500, cpuUs: 250_000 }, { received: 2000, wallMs: 1010, cpuUs: 900_000 }];
    expect(markedWindow(m0, m1)).toEqual({ messages: 2500, msgsPerSec: 1000 + 2000, clientCpu: 0.9 });
  });

  test("a window in which no echo came is an error, not a rate of zero", () => {
    const mark = { received: 7, wallMs: 0, cpuUs: 0 };
    expect(() => markedWindow([mark], [{ ...mark, wallMs: 500 }])).toThrow(/no echo at all/);
  });
});
