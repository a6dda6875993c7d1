import { expect, test } from "vitest";
import { inconclusive, meets, type Row } from "../../bench/report.ts";

const row = (ratioRange: [number, number], ratioConfidence?: number): Row => ({
  runtime: "bun",
  mode: "large",
  metric: "server CPU/msg",
  unit: "µs",
  better: "lower",
  ours: 110,
  oursSpread: 0,
  native: 100,
  nativeSpread: 0,
  ratio: 1.1,
  ratioSpread: 0,
  ratioRange,
  ...(ratioConfidence === undefined ? {} : { ratioConfidence }),
  target: 1.05,
  clientCpu: 0.5,
  errors: [],
});

test("a 95 % interval clear of the target decides; one that holds it does not", () => {
  expect(meets(row([1.07, 1.14], 0.97))).toBe(false);
  expect(inconclusive(row([1.07, 1.14], 0.97))).toBe(false);
  expect(inconclusive(row([1.02, 1.14], 0.97))).toBe(true);
});

test("an interval of less than 95 % (fewer than 6 pairs) decides nothing, however clear of the target", () => {
  expect(inconclusive(row([1.07, 1.14], 0.5))).toBe(true);
  expect(inconclusive(row([1.07, 1.14], 0.9375))).toBe(true);
});

test("results saved before the confidence was recorded are read by their interval alone", () => {
  expect(inconclusive(row([1.07, 1.14]))).toBe(false);
  expect(inconclusive(row([1.02, 1.14]))).toBe(true);
});
