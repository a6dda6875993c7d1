import { describe, expect, test } from "vitest";
import { inconclusive, meets } from "../../bench/report.ts";
import { metricsFor, type Results, type Sample, summarize } from "../../bench/summary.ts";

describe("metricsFor: what each mode is judged on", () => {
  const targets = (mode: string) =>
    Object.fromEntries(metricsFor(mode).filter((m) => m.target).map((m) => [m.name, m.target]));

  test("load modes: msgs/s at least 0.95 of native, CPU/msg at most 1.05; p99 only in ping-pong", () => {
    expect(targets("pipelined")).toEqual({ "msgs/s": 0.95, "server CPU/msg": 1.05 });
    expect(targets("pingpong")).toEqual({ "msgs/s": 0.95, "server CPU/msg": 1.05, "p99 latency": 1.05 });
  });

  test("stream mode: no latency metric (a message waits behind the TCP queue)", () => {
    expect(metricsFor("stream").map((m) => m.name)).toEqual(["msgs/s", "server CPU/msg"]);
  });

  test("large: throughput and CPU/msg; 10k: RSS/conn, conn/s and CPU/handshake (issue 27); no target at 5k", () => {
    expect(targets("large")).toEqual({ throughput: 0.95, "server CPU/msg": 1.05 });
    expect(targets("conns10k")).toEqual({ "RSS/conn": 1.1, "connect rate": 0.95, "server CPU/handshake": 1.1 });
    expect(targets("conns5k")).toEqual({});
  });
});

describe("summarize: samples to ours/native rows", () => {
  /** `pairs` pairs of server processes, `rounds` rounds each, ours at `ratio` × native's CPU per message. */
  function run(ratioOf: (pair: number) => number, pairs = 6, rounds = 4): Results {
    const ours: Sample[] = [];
    const native: Sample[] = [];
    let round = 0;
    for (let pair = 1; pair <= pairs; pair++) {
      for (let i = 0; i < rounds; i++) {
        round++;
        const base = { round, pair, msgsPerSec: 1000, p50Us: 10, p99Us: 20, maxUs: 30, clientCpu: 0.5 };
        native.push({ ...base, serverCpuUsPerMsg: 10 });
        ours.push({ ...base, serverCpuUsPerMsg: 10 * ratioOf(pair) });
      }
    }
    return { node: { pipelined: { ours, native } } };
  }
  const cpu = (results: Results) =>
    summarize(results, ["node"], ["pipelined"]).find((r) => r.metric === "server CPU/msg")!;

  test("the ratio is the median of the rounds' own ratios; clear of the target over 6 pairs, it decides", () => {
    const missed = cpu(run(() => 1.2));
    expect(missed.ratio).toBeCloseTo(1.2);
    expect(missed.ratioConfidence).toBeGreaterThanOrEqual(0.95);
    expect([meets(missed), inconclusive(missed)]).toEqual([false, false]);
    const met = cpu(run(() => 0.9));
    expect([meets(met), inconclusive(met)]).toEqual([true, false]);
  });

  test("a target inside the interval over the pairs decides nothing", () => {
    const row = cpu(run((pair) => (pair % 2 ? 1.0 : 1.1)));
    expect(row.ratioRange![0]).toBeLessThanOrEqual(1.05);
    expect(row.ratioRange![1]).toBeGreaterThanOrEqual(1.05);
    expect(inconclusive(row)).toBe(true);
  });

  test("fewer than 6 pairs: below 95 % confidence, so undecided however clear", () => {
    const row = cpu(run(() => 1.5, 3));
    expect(row.ratioConfidence).toBeLessThan(0.95);
    expect([meets(row), inconclusive(row)]).toEqual([false, true]);
  });

  test("failed samples are left out of the ratios and reported as errors", () => {
    const results = run(() => 1.2);
    results.node!.pipelined!.ours[0] = { round: 1, pair: 1, error: "no echo at all" };
    const row = cpu(results);
    expect(row.errors).toEqual(["no echo at all"]);
    expect(row.ratio).toBeCloseTo(1.2);
  });

  test("modes and runtimes without samples give no rows", () => {
    expect(summarize(run(() => 1), ["node", "bun"], ["pipelined", "stream"]).map((r) => `${r.runtime}/${r.mode}`))
      .toEqual(Array(5).fill("node/pipelined"));
  });
});
