/**
 * What decides met or missed: the load modes, the metrics each is judged on
 * (with the targets), and the summary of a run's samples into rows of
 * ours/native ratios with their confidence intervals. No I/O, so the unit
 * tests import it (test/unit/bench-summary.test.ts); bench/run.ts measures.
 */
import type { LoadSpec } from "./load.ts";
import type { Row } from "./report.ts";
import type { Target } from "./servers.ts";
import { groupedMedianInterval, median, spread } from "./stats.ts";

const MiB = 1024 * 1024;

/**
 * `fresh`: new connections for every slice. Deno's WebSocket, once a connection
 * has been drained and loaded again, can go a second without an echo while the
 * client keeps writing (docs/runtime-differences.md); the stream mode would
 * measure that stall, ours and native alike, instead of the servers.
 */
export type LoadMode = { kind: "load"; spec: LoadSpec; describe: string; fresh?: boolean; compression?: true };
/**
 * `compression`: both servers with permessage-deflate on (bench/compression.ts);
 * after the RSS read at rest, one compressed message of `payloadBytes` on every
 * connection, and the RSS read again: the zlib state each connection then holds.
 */
export type ConnsMode = { kind: "conns"; count: number; describe: string; compression?: true; payloadBytes?: number };

export const MODES: Record<string, LoadMode | ConnsMode> = {
  pingpong: {
    kind: "load",
    spec: { connections: 50, payloadBytes: 64, window: 1, pacing: "window", ringSize: 64 },
    describe: "50 connections, 64 B, one in flight each",
  },
  pipelined: {
    kind: "load",
    spec: { connections: 50, payloadBytes: 64, window: 16, pacing: "window", ringSize: 64 },
    describe: "50 connections, 64 B, 16 in flight each",
  },
  stream: {
    kind: "load",
    spec: { connections: 50, payloadBytes: 64, window: 4096, pacing: "stream", ringSize: 4096 },
    describe: "50 connections, 64 B, written as fast as TCP takes them (safety cap 4096 unanswered)",
    fresh: true,
  },
  large: {
    kind: "load",
    spec: { connections: 8, payloadBytes: MiB, window: 1, pacing: "window", ringSize: 4 },
    describe: "8 connections, 1 MiB, one in flight each",
  },
  conns5k: { kind: "conns", count: 5_000, describe: "5,000 idle connections, then one echo on each" },
  conns10k: { kind: "conns", count: 10_000, describe: "10,000 idle connections, then one echo on each" },
  // Issue 28: permessage-deflate on in both servers (not in the default run: name them in BENCH_MODES).
  deflate64: {
    kind: "load",
    spec: { connections: 50, payloadBytes: 64, window: 16, pacing: "window", ringSize: 64, payload: "json" },
    describe: "pipelined with permessage-deflate: 50 connections × 16 in flight, 64 B JSON-like text, sent deflated",
    compression: true,
  },
  deflate64k: {
    kind: "load",
    spec: { connections: 16, payloadBytes: 64 * 1024, window: 1, pacing: "window", ringSize: 16, payload: "json" },
    describe: "permessage-deflate: 16 connections, 64 KiB JSON-like text, one in flight each, sent deflated",
    compression: true,
  },
  deflate10k: {
    kind: "conns",
    count: 10_000,
    describe: "10,000 connections with permessage-deflate, then one 2 KiB deflated message on each",
    compression: true,
    payloadBytes: 2048,
  },
};

/** The modes `npm run bench` runs when BENCH_MODES does not name them: all but the compressed ones. */
export const DEFAULT_MODES = Object.keys(MODES).filter((m) => !MODES[m]!.compression);

/** One measurement of one server in one mode. */
export interface Sample {
  round: number;
  /** Which pair of server processes, counted from 1 within the mode (see `run`). */
  pair?: number;
  error?: string;
  msgsPerSec?: number;
  mbPerSec?: number;
  serverCpuUsPerMsg?: number;
  serverCpuPct?: number;
  p50Us?: number;
  p99Us?: number;
  maxUs?: number;
  connectsPerSec?: number;
  handshakeP99Us?: number;
  rssKiBPerConn?: number;
  /** Compressed connection-scale modes: RSS per connection after one compressed echo on each. */
  rssKiBPerConnEchoed?: number;
  serverCpuUsPerConn?: number;
  serverRssMiB?: number;
  /** The busiest client process's CPU, as a fraction of one core. */
  clientCpu?: number;
  /** 1-minute load average after the sample: this machine is shared, so a busy neighbour shows here. */
  loadAvg?: number;
}

export type Results = Record<string, Record<string, Record<Target, Sample[]>>>;

export interface Metric {
  key: keyof Sample;
  name: string;
  unit: string;
  better: "higher" | "lower";
  scale?: number;
  target?: number;
}

export const METRICS: Record<string, Metric[]> = {
  load: [
    { key: "msgsPerSec", name: "msgs/s", unit: "msg/s", better: "higher", target: 0.95 },
    { key: "serverCpuUsPerMsg", name: "server CPU/msg", unit: "µs", better: "lower", target: 1.05 },
    { key: "p50Us", name: "p50 latency", unit: "µs", better: "lower" },
    { key: "p99Us", name: "p99 latency", unit: "µs", better: "lower" },
    { key: "maxUs", name: "max latency", unit: "µs", better: "lower" },
  ],
  large: [
    { key: "mbPerSec", name: "throughput", unit: "MiB/s", better: "higher", target: 0.95 },
    { key: "serverCpuUsPerMsg", name: "server CPU/msg", unit: "µs", better: "lower", target: 1.05 },
    { key: "p99Us", name: "p99 latency", unit: "µs", better: "lower" },
  ],
  conns: [
    { key: "connectsPerSec", name: "connect rate", unit: "conn/s", better: "higher" },
    { key: "handshakeP99Us", name: "handshake p99", unit: "ms", better: "lower", scale: 1 / 1000 },
    { key: "serverCpuUsPerConn", name: "server CPU/handshake", unit: "µs", better: "lower" },
    { key: "rssKiBPerConn", name: "RSS/conn", unit: "KiB", better: "lower" },
  ],
};

export function metricsFor(mode: string): Metric[] {
  // Issue 28 asks the compressed lines for CPU per message and MiB/s, with the uncompressed lines' targets.
  if (mode === "large" || (MODES[mode]!.kind === "load" && MODES[mode]!.compression)) return METRICS.large!;
  if (MODES[mode]!.kind === "conns" && MODES[mode]!.compression) {
    // The memory that matters is the zlib state after a compressed message, judged as at 10,000 without it.
    return [
      ...METRICS.conns!,
      { key: "rssKiBPerConnEchoed", name: "RSS/conn after one echo", unit: "KiB", better: "lower", target: 1.1 },
    ];
  }
  if (MODES[mode]!.kind === "conns") {
    if (mode !== "conns10k") return METRICS.conns!;
    // Issue 27's handshake targets, and the 10k memory target.
    const targets: Partial<Record<keyof Sample, number>> = {
      rssKiBPerConn: 1.1,
      connectsPerSec: 0.95,
      serverCpuUsPerConn: 1.1,
    };
    return METRICS.conns!.map((m) => (targets[m.key] === undefined ? m : { ...m, target: targets[m.key] }));
  }
  // In stream mode a message waits behind thousands queued in TCP: its latency is the queue's, not the server's.
  if (mode === "stream") return METRICS.load!.filter((m) => m.key === "msgsPerSec" || m.key === "serverCpuUsPerMsg");
  // The p99 target is for ping-pong.
  return METRICS.load!.map((m) => (m.key === "p99Us" && mode === "pingpong" ? { ...m, target: 1.05 } : m));
}

export function summarize(results: Results, runtimes: readonly string[], modes: readonly string[]): Row[] {
  const rows: Row[] = [];
  for (const runtime of runtimes) {
    for (const mode of modes) {
      const samples = results[runtime]?.[mode];
      if (!samples) continue;
      const errors = [...samples.ours, ...samples.native].filter((s) => s.error).map((s) => s.error!);
      const clientCpu = Math.max(0, ...[...samples.ours, ...samples.native].map((s) => s.clientCpu ?? 0));
      for (const metric of metricsFor(mode)) {
        const values = (target: Target) =>
          samples[target].filter((s) => !s.error).map((s) => (s[metric.key] as number) * (metric.scale ?? 1));
        const ours = median(values("ours"));
        const native = median(values("native"));
        // Round i ran the two back to back, under nearly the same load from
        // the rest of the machine: the median of the rounds' own ratios is
        // steadier on a shared machine than the ratio of the two medians.
        const value = (s: Sample) => (s[metric.key] as number) * (metric.scale ?? 1);
        const pairs = new Map<number, number[]>();
        const paired = samples.ours.flatMap((o, i) => {
          const n = samples.native[i];
          if (o.error || !n || n.error) return [];
          const ratio = value(o) / value(n);
          if (o.pair !== undefined) {
            const group = pairs.get(o.pair) ?? [];
            group.push(ratio);
            pairs.set(o.pair, group);
          }
          return [ratio];
        });
        // Rounds on one pair of processes share that pair's luck.
        const byPair = pairs.size > 0 ? [...pairs.values()] : [paired];
        const interval = groupedMedianInterval(byPair);
        rows.push({
          runtime,
          mode,
          metric: metric.name,
          unit: metric.unit,
          better: metric.better,
          ours,
          oursSpread: spread(values("ours")),
          native,
          nativeSpread: spread(values("native")),
          ratio: paired.length > 0 ? median(paired) : ours / native,
          ratioSpread: spread(paired),
          ratioRange: interval.range,
          ratioConfidence: interval.confidence,
          ...(pairs.size > 1 ? { pairRatios: byPair.map((g) => median(g)) } : {}),
          target: metric.target,
          clientCpu,
          errors,
        });
      }
    }
  }
  return rows;
}
