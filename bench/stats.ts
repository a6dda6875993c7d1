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
