/**
 * `BENCH_MODES=cores`: what WORKERS costs and how it spreads connections.
 *
 * 1. The same load (pipelined: 50 connections, 64 B, 16 in flight each) on
 *    ours with WORKERS=1, ours with WORKERS=2 and the native single process,
 *    in alternating slices; the server's CPU is summed over its whole process
 *    tree (primary and workers), per echoed message. Target: WORKERS=2 at most
 *    1.05 × WORKERS=1. Fresh trios of processes every BENCH_PAIR_ROUNDS rounds;
 *    the ratio's interval is taken over the trios, as the other modes' over pairs.
 * 2. 1,000 connections opened to WORKERS=2, each echoing once; how they split
 *    between the two workers, from each worker's /healthz. Target: 40–60 % each.
 * 3. On paper: what N cores would serve, N / (CPU per message), CPU-bound.
 */
import { request } from "node:http";
import { performance } from "node:perf_hooks";
import type { ClientCommand } from "./client.ts";
import { type LoadSpec, type Mark, markedWindow } from "./load.ts";
import { type Runtime, type Server, sleep, startServer, treeCpuSeconds, treePids } from "./servers.ts";
import { groupedMedianInterval, median, spread } from "./stats.ts";

export const CORES_SPEC: LoadSpec = { connections: 50, payloadBytes: 64, window: 16, pacing: "window", ringSize: 64 };
const SPLIT_CONNECTIONS = 1_000;
/** Seconds of load before each slice after a server's first (see run.ts SLICE_WARMUP). */
const SLICE_WARMUP = 0.1;

/** The load client processes, as bench/run.ts drives them. */
export interface ClientPool {
  readonly count: number;
  all<T>(make: ClientCommand | ((i: number) => ClientCommand), timeoutMs?: number): Promise<T[]>;
  share(total: number, i: number): number;
  open<T = unknown>(set: string, port: number, spec: LoadSpec, concurrency?: number): Promise<T[]>;
}

export const VARIANTS = ["workers1", "workers2", "native"] as const;
type Variant = typeof VARIANTS[number];
const LABEL: Record<Variant, string> = {
  workers1: "ours WORKERS=1",
  workers2: "ours WORKERS=2",
  native: "native (1 process)",
};

interface CoresSample {
  round: number;
  trio: number;
  variant: Variant;
  error?: string;
  msgsPerSec?: number;
  /** Server CPU (all its processes) per echoed message. */
  cpuUsPerMsg?: number;
  /** Server CPU as cores busy (all its processes). */
  serverCores?: number;
  /** Processes summed for the CPU figure. */
  processes?: number;
  clientCpu?: number;
}

export interface CoresResult {
  runtime: Runtime;
  samples: CoresSample[];
  /** Per variant: medians over the rounds. */
  summary: { variant: Variant; msgsPerSec: number; cpuUsPerMsg: number; cpuSpread: number; serverCores: number }[];
  /** WORKERS=2 / WORKERS=1 CPU per message: median of the rounds' own ratios, interval over the trios. */
  ratio: { median: number; range: [number, number]; confidence: number; target: number };
  /** How 1,000 connections split between the two workers. */
  split: { byPid: [number, number][]; sharesPct: number[]; target: [number, number] } | { error: string };
  clientCpu: number;
}

export interface CoresConfig {
  rounds: number;
  pairRounds: number;
  seconds: number;
  warmup: number;
  oursEnv: Record<string, string>;
  log: (line: string) => void;
}

export async function measureCores(clients: ClientPool, runtime: Runtime, config: CoresConfig): Promise<CoresResult> {
  const samples: CoresSample[] = [];
  const trios = Math.ceil(config.rounds / config.pairRounds);
  for (let trio = 1; trio <= trios; trio++) {
    const first = (trio - 1) * config.pairRounds + 1;
    const last = Math.min(config.rounds, trio * config.pairRounds);
    const servers = new Map<Variant, Server>();
    const open = new Set<Variant>();
    try {
      servers.set("workers1", await startServer(runtime, "ours", { ...config.oursEnv, WORKERS: "1" }));
      servers.set("workers2", await startServer(runtime, "ours", { ...config.oursEnv, WORKERS: "2" }));
      servers.set("native", await startServer(runtime, "native"));
      config.log(
        `${runtime} cores: trio ${trio} of ${trios}, ` +
          [...servers].map(([v, s]) => `${v} pids ${treePids(s.pid).join("+")}`).join(", "),
      );
      for (let round = first; round <= last; round++) {
        // Each round starts with the next variant, so a drift within a round favours none.
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
        for (const variant of order) {
          const s = await slice(clients, servers.get(variant)!, variant, open, config)
            .then((m) => ({ round, trio, variant, ...m }))
            .catch((error: Error) => ({ round, trio, variant, error: error.message }));
          samples.push(s);
          config.log(`${runtime.padEnd(7)} cores     round ${round} ${variant.padEnd(8)} ${describe(s)}`);
        }
      }
    } catch (error) {
      config.log(`${runtime} cores: ${(error as Error).message}`);
      samples.push({ round: first, trio, variant: "workers2", error: (error as Error).message });
    } finally {
      for (const variant of open) await clients.all({ cmd: "close", set: `cores-${variant}` }).catch(() => {});
      for (const server of servers.values()) await server.stop();
    }
  }
  const split = await measureSplit(clients, runtime, config).catch((error: Error) => ({ error: error.message }));
  return { runtime, samples, ...summarize(samples), split };
}

async function slice(
  clients: ClientPool,
  server: Server,
  variant: Variant,
  open: Set<Variant>,
  config: CoresConfig,
): Promise<Omit<CoresSample, "round" | "trio" | "variant">> {
  const set = `cores-${variant}`;
  let warmup = Math.min(config.warmup, SLICE_WARMUP);
  if (!open.has(variant)) {
    await clients.open(set, server.port, CORES_SPEC);
    open.add(variant);
    warmup = config.warmup;
  }
  try {
    await clients.all({ cmd: "start", set });
    await sleep(warmup * 1000);
    const pids = treePids(server.pid);
    const cpu0 = treeCpuSeconds(pids);
    const t0 = performance.now();
    const m0 = await clients.all<Mark>({ cmd: "mark", set, recording: true });
    await sleep(config.seconds * 1000);
    const m1 = await clients.all<Mark>({ cmd: "mark", set, recording: false });
    const cpu1 = treeCpuSeconds(pids);
    const wall = (performance.now() - t0) / 1000;
    await clients.all({ cmd: "stop", set });
    const { messages, msgsPerSec, clientCpu } = markedWindow(m0, m1);
    return {
      msgsPerSec,
      cpuUsPerMsg: ((cpu1 - cpu0) * 1e6) / messages,
      serverCores: (cpu1 - cpu0) / wall,
      processes: pids.length,
      clientCpu,
    };
  } catch (error) {
    open.delete(variant);
    await clients.all({ cmd: "close", set }).catch(() => {});
    throw error;
  }
}

/** 1,000 connections to a WORKERS=2 server, one echo each; each worker's count from its /healthz. */
async function measureSplit(clients: ClientPool, runtime: Runtime, config: CoresConfig): Promise<CoresResult["split"]> {
  const server = await startServer(runtime, "ours", { ...config.oursEnv, WORKERS: "2" });
  const set = "cores-split";
  try {
    await clients.open(
      set,
      server.port,
      { connections: SPLIT_CONNECTIONS, payloadBytes: 64, window: 1, pacing: "window", ringSize: 2 },
      Math.ceil(64 / clients.count),
    );
    await clients.all({ cmd: "echoOnce", set });
    const seen = new Map<number, number>();
    const deadline = Date.now() + 20_000;
    while (!(seen.size === 2 && [...seen.values()].reduce((a, b) => a + b, 0) === SPLIT_CONNECTIONS)) {
      if (Date.now() > deadline) {
        throw new Error(`the workers' /healthz did not add up to ${SPLIT_CONNECTIONS}: ${JSON.stringify([...seen])}`);
      }
      const health = await healthz(server.port);
      seen.set(health.pid, health.connections);
    }
    const byPid = [...seen];
    const sharesPct = byPid.map(([, n]) => (100 * n) / SPLIT_CONNECTIONS);
    config.log(`${runtime} cores: ${SPLIT_CONNECTIONS} connections by worker pid: ${JSON.stringify(byPid)}`);
    return { byPid, sharesPct, target: [40, 60] };
  } finally {
    await clients.all({ cmd: "close", set }).catch(() => {});
    await server.stop();
  }
}

/** GET /healthz on a connection of its own, so each call may reach the other worker. */
function healthz(port: number): Promise<{ pid: number; connections: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/healthz", agent: false, timeout: 5_000 }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => {
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("GET /healthz: no answer in 5 s")));
    req.on("error", reject);
    req.end();
  });
}

function summarize(samples: CoresSample[]): Pick<CoresResult, "summary" | "ratio" | "clientCpu"> {
  const ok = samples.filter((s) => !s.error);
  const of = (variant: Variant, key: "msgsPerSec" | "cpuUsPerMsg" | "serverCores") =>
    ok.filter((s) => s.variant === variant).map((s) => s[key]!);
  const summary = VARIANTS.map((variant) => ({
    variant,
    msgsPerSec: median(of(variant, "msgsPerSec")),
    cpuUsPerMsg: median(of(variant, "cpuUsPerMsg")),
    cpuSpread: spread(of(variant, "cpuUsPerMsg")),
    serverCores: median(of(variant, "serverCores")),
  }));
  // Each round's own WORKERS=2 / WORKERS=1, grouped by trio of processes.
  const byTrio = new Map<number, number[]>();
  for (const one of ok.filter((s) => s.variant === "workers1")) {
    const two = ok.find((s) => s.variant === "workers2" && s.round === one.round);
    if (!two) continue;
    const group = byTrio.get(one.trio) ?? [];
    group.push(two.cpuUsPerMsg! / one.cpuUsPerMsg!);
    byTrio.set(one.trio, group);
  }
  const interval = groupedMedianInterval([...byTrio.values()]);
  return {
    summary,
    ratio: { median: median([...byTrio.values()].flat()), ...interval, target: 1.05 },
    clientCpu: Math.max(0, ...ok.map((s) => s.clientCpu ?? 0)),
  };
}

function describe(s: CoresSample): string {
  if (s.error) return `ERROR ${s.error.split("\n")[0]}`;
  return `${s.msgsPerSec!.toFixed(0)} msg/s, ${
    s.cpuUsPerMsg!.toFixed(2)
  } µs CPU/msg over ${s.processes} process(es), ` +
    `server ${(s.serverCores! * 100).toFixed(0)}% of a core, client CPU ${(s.clientCpu! * 100).toFixed(0)}%`;
}

/** The terminal/markdown report of the cores mode. */
export function coresReport(results: CoresResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `${r.runtime} — cores (${CORES_SPEC.connections} connections, ${CORES_SPEC.payloadBytes} B, ` +
        `${CORES_SPEC.window} in flight each; CPU summed over each server's process tree)`,
      "",
      "| server | msgs/s | server CPU/msg | spread | server CPU | 1 core's worth | 16 cores on paper |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const s of r.summary) {
      const perCore = 1e6 / s.cpuUsPerMsg;
      lines.push(
        `| ${LABEL[s.variant]} | ${s.msgsPerSec.toFixed(0)} | ${s.cpuUsPerMsg.toFixed(2)} µs | ` +
          `${(s.cpuSpread * 100).toFixed(0)} % | ${(s.serverCores * 100).toFixed(0)} % | ` +
          `${perCore.toFixed(0)} msg/s | ${(16 * perCore).toFixed(0)} msg/s |`,
      );
    }
    const { median: m, range, confidence, target } = r.ratio;
    const verdict = !Number.isFinite(m)
      ? "no result"
      : confidence < 0.95 || (range[0] < target && target < range[1])
      ? `${m <= target ? "meets" : "misses"} on its median; this run cannot tell (~)`
      : m <= target
      ? "meets"
      : "MISS";
    lines.push(
      "",
      `WORKERS=2 / WORKERS=1 server CPU per message: ${m.toFixed(3)} (interval ${range[0].toFixed(3)}–${
        range[1].toFixed(3)
      }, ${(confidence * 100).toFixed(0)} %), target ≤ ${target}: ${verdict}`,
    );
    const split = r.split;
    if ("error" in split) lines.push(`${SPLIT_CONNECTIONS} connections over WORKERS=2: ERROR ${split.error}`);
    else {
      const [low, high] = split.target;
      const within = split.sharesPct.every((p) => p >= low && p <= high);
      lines.push(
        `${SPLIT_CONNECTIONS} connections over WORKERS=2: ${
          split.byPid.map(([pid, n], i) => `pid ${pid} ${n} (${split.sharesPct[i]!.toFixed(1)} %)`).join(", ")
        }; target ${low}–${high} % each: ${within ? "meets" : "MISS"}`,
      );
    }
    lines.push(
      `Highest load-client CPU: ${(r.clientCpu * 100).toFixed(0)} % of a core` +
        (r.clientCpu >= 0.9 ? " (saturated: msgs/s may be the client's limit; CPU/msg is still the server's)" : ""),
      "",
    );
  }
  return lines.join("\n");
}

/** Whether any part of the cores mode failed outright. */
export function coresErrors(results: CoresResult[]): string[] {
  return results.flatMap((r) => [
    ...r.samples.filter((s) => s.error).map((s) => `${r.runtime}/cores ${s.variant}: ${s.error}`),
    ...("error" in r.split ? [`${r.runtime}/cores split: ${r.split.error}`] : []),
  ]);
}
