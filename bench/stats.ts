/**
 * Latency histogram with ~1% wide buckets (log scale, 0.01 in ln µs): fixed
 * memory however many samples, and histograms from several client processes
 * merge by adding counts.
 */
const BUCKETS = 2400; // e^(2400/100) µs: far beyond any run

export class Histogram {
  counts = new Float64Array(BUCKETS);
  count = 0;
  maxUs = 0;

  add(us: number): void {
    const b = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(us) * 100));
    this.counts[b]!++;
    this.count++;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** The bucket's upper edge at or below which `p` of the samples lie (within 1%). */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil(p * this.count);
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return Math.min(Math.exp(b / 100), this.maxUs);
    }
    return this.maxUs;
  }

  toJSON(): SparseHistogram {
    const buckets: [number, number][] = [];
    this.counts.forEach((n, b) => n > 0 && buckets.push([b, n]));
    return { buckets, count: this.count, maxUs: this.maxUs };
  }

  merge(other: SparseHistogram): void {
    for (const [b, n] of other.buckets) this.counts[b]! += n;
    this.count += other.count;
    this.maxUs = Math.max(this.maxUs, other.maxUs);
  }
}

export interface SparseHistogram {
  buckets: [number, number][];
  count: number;
  maxUs: number;
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** (max − min) / median, as a fraction: how far apart the rounds were. */
export function spread(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2) return 0;
  return (Math.max(...finite) - Math.min(...finite)) / median(finite);
}

/**
 * A distribution-free confidence interval for the median of `values` (the
 * sign test's order statistics): the k-th lowest and k-th highest, with the
 * largest k for which the median lies outside them with probability at most
 * 5 % (2·P(Binomial(n, ½) < k) ≤ 0.05). Below 6 values no k reaches 95 %, and
 * the interval is the lowest and highest (at 5 values, 94 %; see
 * `medianConfidence`). It narrows as rounds are added, where the lowest and
 * highest only spread further apart.
 */
export function medianInterval(values: readonly number[]): [number, number] {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [NaN, NaN];
  const { k } = signTestRank(n);
  return [sorted[k - 1]!, sorted[n - k]!];
}

/**
 * How likely `medianInterval` over n values is to hold the median: at least
 * 0.95 from 6 values, 1 − 2·½ⁿ below (0.5 at 2 values, 0.75 at 3, 0.94 at 5),
 * and 0 for one value, which is no interval at all.
 */
export function medianConfidence(n: number): number {
  return n > 0 ? signTestRank(n).confidence : 0;
}

/** The k of `medianInterval` for n values, and the probability that its interval holds the median. */
function signTestRank(n: number): { k: number; confidence: number } {
  let k = 1;
  // P(B <= j) for B ~ Binomial(n, 1/2), summed term by term.
  let term = 0.5 ** n; // P(B = 0)
  let below = term; // P(B <= k - 1) for the next k
  let outside = 2 * below; // for the current k
  for (let next = 2; next <= n >> 1; next++) {
    term = (term * (n - (next - 2))) / (next - 1); // P(B = next - 1)
    below += term;
    if (2 * below > 0.05) break;
    k = next;
    outside = 2 * below;
  }
  return { k, confidence: 1 - outside };
}

/**
 * The median's interval when values come in groups that share a cause of
 * their own (the rounds on one pair of server processes share what those
 * processes' JIT and heap did): `medianInterval` over the groups' medians
 * where there are several groups, else over the values of the one group;
 * with the interval's confidence (`medianConfidence`): 2 to 5 groups give an
 * interval that holds the median less often than 95 %, however many rounds.
 */
export function groupedMedianInterval(
  groups: readonly (readonly number[])[],
): { range: [number, number]; confidence: number } {
  const medians = groups.map((g) => median(g)).filter((m) => Number.isFinite(m));
  const values = medians.length > 1 ? medians : groups.flat().filter((v) => Number.isFinite(v));
  return { range: medianInterval(values), confidence: medianConfidence(values.length) };
}
