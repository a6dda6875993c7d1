import { expect, test } from "vitest";
import { groupedMedianInterval, medianInterval } from "../../bench/stats.ts";

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

test("rounds in groups (pairs of server processes): the interval is over the groups' medians", () => {
  // Five pairs at 1.00 and one held at 1.20 by its own processes: the 24 rounds alone would say [1, 1].
  const offPair = [...Array.from({ length: 5 }, () => [1, 1, 1, 1]), [1.2, 1.2, 1.2, 1.2]];
  expect(medianInterval(offPair.flat())).toEqual([1, 1]);
  expect(groupedMedianInterval(offPair)).toEqual([1, 1.2]);
  // A wild round within a pair moves only that pair's median, which it barely does.
  expect(groupedMedianInterval([[1, 1, 50], [2, 2, -50], [3, 3, 50], [4, 4, -50], [5, 5, 50], [6, 6, -50]])).toEqual([
    1,
    6,
  ]);
  // A single group (no pairs recorded, as in results saved before pairs): over its values.
  expect(groupedMedianInterval([[3, 1, 2]])).toEqual([1, 3]);
  expect(groupedMedianInterval([[], [2, 1, 3]])).toEqual([1, 3]);
});
