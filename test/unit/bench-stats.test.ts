import { expect, test } from "vitest";
import { groupedMedianInterval, medianConfidence, medianInterval } from "../../bench/stats.ts";

const ranks = (n: number) => Array.from({ length: n }, (_, i) => i + 1).reverse(); // n..1: order must not matter

test("5 rounds or fewer: the lowest and highest (no order statistic reaches 95 %)", () => {
  expect(medianInterval(ranks(1))).toEqual([1, 1]);
  expect(medianInterval(ranks(3))).toEqual([1, 3]);
  expect(medianInterval(ranks(5))).toEqual([1, 5]);
});

test("more rounds: the sign test's order statistics, narrower than the lowest and highest", () => {
  // 2·P(Binomial(n, ½) < k) ≤ 0.05, the largest such k: n 6–8 → 1, 9–11 → 2, 15 → 4, 20 → 6.
  expect(medianInterval(ranks(8))).toEqual([1, 8]);
  expect(medianInterval(ranks(9))).toEqual([2, 8]);
  expect(medianInterval(ranks(11))).toEqual([2, 10]);
  expect(medianInterval(ranks(12))).toEqual([3, 10]);
  expect(medianInterval(ranks(15))).toEqual([4, 12]);
  expect(medianInterval(ranks(20))).toEqual([6, 15]);
});

test("values that are not numbers are left out; none at all gives NaN", () => {
  expect(medianInterval([NaN, 2, 1, 3, Infinity])).toEqual([1, 3]);
  expect(medianInterval([])).toEqual([NaN, NaN]);
});

test("the interval's confidence: 95 % or more from 6 values, 1 − 2·½ⁿ below, none for one value", () => {
  expect(medianConfidence(0)).toBe(0);
  expect(medianConfidence(1)).toBe(0);
  expect(medianConfidence(2)).toBe(0.5);
  expect(medianConfidence(3)).toBe(0.75);
  expect(medianConfidence(5)).toBe(0.9375);
  expect(medianConfidence(6)).toBe(1 - 2 / 64);
  // k = 2 from 9 values: 1 − 2·P(B ≤ 1) = 1 − 2·10/512.
  expect(medianConfidence(9)).toBe(1 - 20 / 512);
  for (let n = 6; n <= 60; n++) expect(medianConfidence(n)).toBeGreaterThanOrEqual(0.95);
});

test("rounds in groups (pairs of server processes): the interval is over the groups' medians", () => {
  // Five pairs at 1.00 and one held at 1.20 by its own processes: the 24 rounds alone would say [1, 1].
  const offPair = [...Array.from({ length: 5 }, () => [1, 1, 1, 1]), [1.2, 1.2, 1.2, 1.2]];
  expect(medianInterval(offPair.flat())).toEqual([1, 1]);
  expect(groupedMedianInterval(offPair)).toEqual({ range: [1, 1.2], confidence: 1 - 2 / 64 });
  // A wild round within a pair moves only that pair's median, which it barely does.
  expect(groupedMedianInterval([[1, 1, 50], [2, 2, -50], [3, 3, 50], [4, 4, -50], [5, 5, 50], [6, 6, -50]]).range)
    .toEqual([1, 6]);
  // Two pairs, however many rounds each: an interval that holds the median half the time.
  expect(groupedMedianInterval([[1, 1, 1, 1], [2, 2, 2, 2]])).toEqual({ range: [1, 2], confidence: 0.5 });
  // A single group (no pairs recorded, as in results saved before pairs): over its values.
  expect(groupedMedianInterval([[3, 1, 2]])).toEqual({ range: [1, 3], confidence: 0.75 });
  expect(groupedMedianInterval([[], [2, 1, 3]])).toEqual({ range: [1, 3], confidence: 0.75 });
});
