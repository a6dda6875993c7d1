/**
 * `npm run bench`: our echo against each runtime's native echo, interleaved
 * (ours, native, ours, native, …) over several rounds, with the same load
 * client. Prints a table, writes bench-results/*.json and *.svg, and, after a
 * run of every runtime and load mode with nothing else changed, the chart that
 * docs/benchmarks.md shows (docs/benchmarks.svg).
 *
 * Environment (all optional):
 *   BENCH_RUNTIMES  node,deno,bun,workers
 *   BENCH_MODES     pingpong,pipelined,stream,large,conns5k,conns10k,cores (cores: WORKERS=1 vs 2 vs native,
 *                   CPU over each server's process tree, and 1,000 connections' split; bench/cores.ts),
 *                   storm (10,000 connections, SIGTERM, a fresh server on the same port, every client
 *                   reconnecting; BENCH_CONNS_ROUNDS rounds; bench/storm.ts)
 *                   deflate64,deflate64k,deflate10k (issue 28: permessage-deflate on in both servers, ours
 *                   COMPRESSION=on, the native ones NATIVE_COMPRESSION; not run unless named; n/a on Deno;
 *                   bench/compression.ts)
 *   BENCH_STORM_CONNECTIONS  connections in the storm mode (10000, the issue's; lower only for a quick try)
 *   BENCH_ROUNDS    rounds per load mode (24): one slice of each server, the order swapped each round
 *   BENCH_PAIR_ROUNDS  rounds per pair of server processes (4): each load mode starts both servers
 *                   afresh every this many rounds, and the ratio's interval is taken over the pairs
 *   BENCH_CONNS_ROUNDS  rounds per connection-scale mode (1: 10,000 handshakes take half a minute on workerd)
 *   BENCH_SECONDS   measured seconds per slice (0.5)
 *   BENCH_WARMUP    seconds of load before the first slice of each server process (1; later slices: 0.1)
 *   BENCH_CLIENTS   load client processes (1; this machine has 2 cores, one for the server)
 * `sh bench/run.sh --report [file.json]` prints the tables of a saved run again;
 * `sh bench/run.sh --chart [file.json]` draws docs/benchmarks.svg from a saved run.
 *
 *   BENCH_OURS_ENV  options for our server only, e.g. "LOG_LEVEL=silent,KEEP_ALIVE_INTERVAL_MS=0", to
 *                   measure what a feature costs; unset, every option is at its default
 *   BENCH_NATIVE_OURS_ENV  when set, the "native" side is our own server with these options instead of the
 *                   runtime's native echo, so ours/native is one setting against another: e.g.
 *                   "METRICS=off" measures what metrics cost (ours with them on, the default)
 *   HONO_FLOOR      "native" or "ours": that side is a bare Hono app with one upgrading route on the same runtime
 *                   (bench/native/hono-*; node, deno, bun; connection modes): ours against it, or it against the
 *                   native, is what our own work, or the house rules alone, cost
 */
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import process from "node:process";
import type { ClientCommand } from "./client.ts";
import { compressionNotApplicable, deflateUse, NATIVE_COMPRESSION_ENV, OURS_COMPRESSION_ENV } from "./compression.ts";
import { CORES_SPEC, coresErrors, coresReport, type CoresResult, measureCores } from "./cores.ts";
import { type LoadSpec, type Mark, markedWindow } from "./load.ts";
import { measureStorm, STORM_CONNECTIONS, stormErrors, stormReport, type StormResult } from "./storm.ts";
import { meets, ratioTable, type Row, svgChart, table } from "./report.ts";
import {
  cpuSeconds,
  rssBytes,
  type Runtime,
  type Server,
  sleep,
  startServer,
  stopAll,
  type Target,
} from "./servers.ts";
import { Histogram, type SparseHistogram } from "./stats.ts";
import {
  type ConnsMode,
  DEFAULT_MODES,
  type LoadMode,
  MODES as SUMMARY_MODES,
  type Results,
  type Sample,
  summarize,
} from "./summary.ts";

const MiB = 1024 * 1024;

type CoresMode = { kind: "cores"; spec: LoadSpec; describe: string; compression?: undefined };
type StormMode = { kind: "storm"; describe: string; compression?: undefined };

/** The summary's modes (bench/summary.ts), and the cores mode (bench/cores.ts), which has a report of its own. */
const MODES: Record<string, LoadMode | ConnsMode | CoresMode | StormMode> = {
  ...SUMMARY_MODES,
  cores: {
    kind: "cores",
    spec: CORES_SPEC,
    describe: "pipelined load on WORKERS=1, WORKERS=2 and native; 1,000 connections over WORKERS=2",
  },
  storm: {
    kind: "storm",
    describe: "10,000 connections, SIGTERM (1001), a fresh server on the same port, all reconnect (bench/storm.ts)",
  },
};

/** The cores mode's results, by runtime (bench/cores.ts). */
const coresResults: CoresResult[] = [];
/** The storm mode's results, by runtime (bench/storm.ts). */
const stormResults: StormResult[] = [];
/** Modes that have no figure on a runtime, and why (the compressed ones on Deno). */
const notApplicable: { runtime: Runtime; mode: string; reason: string }[] = [];

/**
 * Seconds of load before each slice after a set's first (whose warm-up is
 * BENCH_WARMUP): enough for the pipes to refill. Short slices close together
 * are the point: this machine swings between a fast and a slow state (about
 * 5.3 and 9 µs CPU per pipelined message on Node, for both servers) every few
 * seconds, and a pair of slices that straddles a swing is an outlier the
 * median of the pairs' ratios then sets aside.
 */
const SLICE_WARMUP = 0.1;

const RUNTIMES: Runtime[] = ["node", "deno", "bun", "workers"];
const TARGETS: Target[] = ["ours", "native"];

function list(name: string, all: readonly string[], defaults: readonly string[] = all): string[] {
  const raw = process.env[name]?.trim();
  if (!raw) return [...defaults];
  const items = raw.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((i) => !all.includes(i));
  if (bad.length) throw new Error(`${name}: unknown ${bad.join(", ")} (choose from ${all.join(", ")})`);
  return items;
}

function number(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!(value >= min && value <= max)) throw new Error(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return value;
}

const config = {
  runtimes: list("BENCH_RUNTIMES", RUNTIMES) as Runtime[],
  modes: list("BENCH_MODES", Object.keys(MODES), [...DEFAULT_MODES, "cores", "storm"]),
  rounds: number("BENCH_ROUNDS", 24, 1, 500),
  pairRounds: number("BENCH_PAIR_ROUNDS", 4, 1, 500),
  connsRounds: number("BENCH_CONNS_ROUNDS", 1, 1, 50),
  stormConnections: number("BENCH_STORM_CONNECTIONS", STORM_CONNECTIONS, 10, STORM_CONNECTIONS),
  seconds: number("BENCH_SECONDS", 0.5, 0.1, 600),
  warmup: number("BENCH_WARMUP", 1, 0, 60),
  clients: number("BENCH_CLIENTS", 1, 1, 16),
  oursEnv: envList("BENCH_OURS_ENV") ?? {},
  nativeOursEnv: envList("BENCH_NATIVE_OURS_ENV"),
};

checkFloor(process.env.HONO_FLOOR);

/**
 * HONO_FLOOR (bench/servers.ts) is a handshake comparison: the floor apps echo but have none of our options, no
 * compression and no graceful shutdown, so only the uncompressed connection modes on node, deno and bun take it.
 */
function checkFloor(side: string | undefined): void {
  if (side === undefined) return;
  if (side !== "native" && side !== "ours") throw new Error(`HONO_FLOOR must be "native" or "ours", not "${side}"`);
  const bad = [
    ...config.modes.filter((m) => MODES[m]!.kind !== "conns" || MODES[m]!.compression),
    ...config.runtimes.filter((r) => r === "workers"),
  ];
  if (bad.length) throw new Error(`HONO_FLOOR: not with ${bad.join(", ")} (conns5k, conns10k on node, deno, bun)`);
}

function envList(name: string): Record<string, string> | undefined {
  const raw = process.env[name];
  if (raw === undefined) return undefined;
  return Object.fromEntries(
    raw.split(",").map((s) => s.trim()).filter(Boolean).map((pair) => {
      const at = pair.indexOf("=");
      if (at < 1) throw new Error(`${name}: "${pair}" is not NAME=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

// ---- the client processes -------------------------------------------------------------------------------

class Clients {
  readonly #procs: ChildProcess[] = [];
  #next = 0;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const child = fork(new URL("./client.js", import.meta.url), { stdio: ["ignore", "inherit", "inherit", "ipc"] });
      child.on("message", (m: { id: number; result?: unknown; error?: string }) => {
        const waiter = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        if (m.error !== undefined) waiter?.reject(new Error(m.error));
        else waiter?.resolve(m.result);
      });
      child.on("exit", (code) => {
        for (const w of this.#pending.values()) w.reject(new Error(`a load client exited (code ${code})`));
        this.#pending.clear();
      });
      this.#procs.push(child);
    }
  }

  get count(): number {
    return this.#procs.length;
  }

  /** Sends a command to every client (`make` builds each one's), with a deadline. */
  all<T>(make: ClientCommand | ((i: number) => ClientCommand), timeoutMs = 120_000): Promise<T[]> {
    return Promise.all(this.#procs.map((child, i) => {
      const id = ++this.#next;
      const command = typeof make === "function" ? make(i) : make;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#pending.delete(id);
          reject(new Error(`load client: no answer to "${command.cmd}" within ${timeoutMs} ms`));
        }, timeoutMs);
        this.#pending.set(id, {
          resolve: (v) => (clearTimeout(timer), resolve(v as T)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        child.send({ ...command, id });
      });
    }));
  }

  /** Connections for client `i` when `total` are split across them. */
  share(total: number, i: number): number {
    return Math.floor(total / this.count) + (i < total % this.count ? 1 : 0);
  }

  /** Opens `spec.connections` to 127.0.0.1:`port` as the set `set`, split across the clients. */
  open<T = unknown>(set: string, port: number, spec: LoadSpec, concurrency?: number): Promise<T[]> {
    return this.all<T>((i) => ({
      cmd: "open",
      set,
      host: "127.0.0.1",
      port,
      spec: { ...spec, connections: this.share(spec.connections, i) },
      ...(concurrency === undefined ? {} : { concurrency }),
    }));
  }

  stop(): void {
    for (const child of this.#procs) child.kill("SIGTERM");
  }
}

// ---- compressed modes (bench/compression.ts) -------------------------------------------------------------

/**
 * Starts `target` for `modeName`: in a compressed mode ours gets COMPRESSION=on
 * (under BENCH_OURS_ENV / BENCH_NATIVE_OURS_ENV, which may turn it off to
 * measure what it costs) and a native server NATIVE_COMPRESSION; otherwise
 * exactly as before.
 */
function startFor(runtime: Runtime, target: Target, modeName: string): Promise<Server> {
  if (!MODES[modeName]!.compression) {
    return startServer(runtime, target, config.oursEnv, undefined, config.nativeOursEnv);
  }
  const nativeIsOurs = config.nativeOursEnv !== undefined;
  return startServer(
    runtime,
    target,
    { ...OURS_COMPRESSION_ENV, ...config.oursEnv },
    undefined,
    nativeIsOurs ? { ...OURS_COMPRESSION_ENV, ...config.nativeOursEnv } : undefined,
    { env: target === "native" && !nativeIsOurs ? NATIVE_COMPRESSION_ENV : {} },
  );
}

/** The load spec for `target`: in a compressed mode, whether the client requires or only offers the extension. */
function specFor(spec: LoadSpec, modeName: string, target: Target): LoadSpec {
  if (!MODES[modeName]!.compression) return spec;
  return { ...spec, deflate: deflateUse(target, config.oursEnv, config.nativeOursEnv) };
}

// ---- measurements -------------------------------------------------------------------------------------

/**
 * Load `server` for one slice. Its connection set stays open from slice to slice
 * (`open` holds the targets whose set is), so the run can alternate the two
 * servers every half second: both then see nearly the same machine, which on
 * a shared one matters more than anything else here.
 */
async function measureLoad(
  clients: Clients,
  server: Server,
  modeName: string,
  round: number,
  open: Set<Target>,
): Promise<Sample> {
  const mode = MODES[modeName] as LoadMode;
  const spec = specFor(mode.spec, modeName, server.target);
  const set = server.target;
  let warmup = Math.min(config.warmup, SLICE_WARMUP);
  if (!open.has(set)) {
    const opened = await clients.open<{ compressedConnections: number }>(set, server.port, spec);
    if (spec.deflate) logCompressed(server, opened, spec.connections);
    open.add(set);
    warmup = config.warmup;
  }
  // Kept open for the next slice only after a slice that went well, in a mode that reuses its connections.
  let keep = false;
  try {
    await clients.all({ cmd: "start", set });
    await sleep(warmup * 1000);
    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    const m0 = await clients.all<Mark>({ cmd: "mark", set, recording: true });
    await sleep(config.seconds * 1000);
    const m1 = await clients.all<Mark>({ cmd: "mark", set, recording: false });
    const cpu1 = cpuSeconds(server.pid);
    const wall = (performance.now() - t0) / 1000;
    const rss = rssBytes(server.pid);
    const stops = await clients.all<{ latency: SparseHistogram }>({ cmd: "stop", set });
    const { messages, msgsPerSec, clientCpu } = markedWindow(m0, m1);
    const latency = new Histogram();
    for (const s of stops) latency.merge(s.latency);
    keep = !mode.fresh;
    return {
      round,
      msgsPerSec,
      mbPerSec: (msgsPerSec * spec.payloadBytes) / MiB,
      serverCpuUsPerMsg: ((cpu1 - cpu0) * 1e6) / messages,
      serverCpuPct: (cpu1 - cpu0) / wall,
      p50Us: latency.percentile(0.5),
      p99Us: latency.percentile(0.99),
      maxUs: latency.maxUs,
      serverRssMiB: rss / MiB,
      clientCpu,
    };
  } finally {
    // A failed set is gone from the clients that failed; the next slice opens it again.
    if (!keep) {
      open.delete(set);
      await clients.all({ cmd: "close", set }).catch(() => {});
    }
  }
}

/** Says how many of a set's connections negotiated permessage-deflate (ours with COMPRESSION=off: none). */
function logCompressed(server: Server, opened: readonly { compressedConnections: number }[], connections: number) {
  const compressed = opened.reduce((sum, o) => sum + o.compressedConnections, 0);
  log(`${server.runtime} ${server.target}: ${compressed} of ${connections} connections negotiated permessage-deflate`);
}

async function measureConns(clients: Clients, server: Server, modeName: string, round: number): Promise<Sample> {
  const mode = MODES[modeName] as ConnsMode;
  const spec = specFor(
    mode.compression
      ? {
        connections: 0,
        payloadBytes: mode.payloadBytes ?? 64,
        window: 1,
        pacing: "window",
        ringSize: 2,
        payload: "json",
      }
      : { connections: 0, payloadBytes: 64, window: 1, pacing: "window", ringSize: 2 },
    modeName,
    server.target,
  );
  const open = (connections: number, concurrency: number) =>
    clients.open<{ seconds: number; handshakes: SparseHistogram; cpuUs: number; compressedConnections: number }>(
      server.target,
      server.port,
      { ...spec, connections },
      concurrency,
    );
  try {
    // A few connections first, so lazily loaded code is not counted as per-connection memory.
    await open(20, 20);
    await clients.all({ cmd: "echoOnce", set: server.target });
    await clients.all({ cmd: "close", set: server.target });
    await sleep(500);
    const rss0 = rssBytes(server.pid);
    const cpu0 = cpuSeconds(server.pid);
    // 64 handshakes in flight: more overflows workerd's accept backlog, and SYN retries (1 s, 3 s) swamp the p99.
    const opened = await open(mode.count, Math.ceil(64 / clients.count));
    const cpu1 = cpuSeconds(server.pid);
    // Read 5 s after the last handshake: at 1 s, whether the runtime's GC had run
    // yet swung Bun's figure by ±0.3 KiB per connection between runs.
    await sleep(5000);
    const rss1 = rssBytes(server.pid);
    // All of them held and echoing: one verified echo on every connection.
    await clients.all({ cmd: "echoOnce", set: server.target });
    let rssKiBPerConnEchoed: number | undefined;
    if (mode.compression) {
      // The zlib state a connection keeps after its first compressed message, read as the RSS at rest is.
      logCompressed(server, opened, mode.count);
      await sleep(5000);
      rssKiBPerConnEchoed = (rssBytes(server.pid) - rss0) / 1024 / mode.count;
    }
    const handshakes = new Histogram();
    for (const o of opened) handshakes.merge(o.handshakes);
    const seconds = Math.max(...opened.map((o) => o.seconds));
    return {
      round,
      connectsPerSec: mode.count / seconds,
      handshakeP99Us: handshakes.percentile(0.99),
      maxUs: handshakes.maxUs,
      rssKiBPerConn: (rss1 - rss0) / 1024 / mode.count,
      ...(rssKiBPerConnEchoed === undefined ? {} : { rssKiBPerConnEchoed }),
      serverCpuUsPerConn: ((cpu1 - cpu0) * 1e6) / mode.count,
      serverRssMiB: rss1 / MiB,
      clientCpu: Math.max(...opened.map((o) => o.cpuUs / 1e6 / o.seconds)),
    };
  } finally {
    await clients.all({ cmd: "close", set: server.target }).catch(() => {});
  }
}

// ---- the run ------------------------------------------------------------------------------------------

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

function describe(s: Sample): string {
  if (s.error) return `ERROR ${s.error.split("\n")[0]}`;
  if (s.connectsPerSec !== undefined) {
    return `${s.connectsPerSec.toFixed(0)} conn/s, handshake p99 ${(s.handshakeP99Us! / 1000).toFixed(1)} ms, ` +
      `${s.rssKiBPerConn!.toFixed(1)} KiB/conn` +
      (s.rssKiBPerConnEchoed === undefined ? "" : ` (${s.rssKiBPerConnEchoed.toFixed(1)} after one echo)`) +
      `, client CPU ${(s.clientCpu! * 100).toFixed(0)}%`;
  }
  return `${s.msgsPerSec!.toFixed(0)} msg/s, ${s.serverCpuUsPerMsg!.toFixed(2)} µs CPU/msg, ` +
    `server CPU ${(s.serverCpuPct! * 100).toFixed(0)}%, p99 ${s.p99Us!.toFixed(0)} µs, client CPU ${
      (s.clientCpu! * 100).toFixed(0)
    }%`;
}

async function sample(
  clients: Clients,
  server: Server,
  modeName: string,
  round: number,
  results: Results,
  open = new Set<Target>(),
  pair?: number,
): Promise<void> {
  const mode = MODES[modeName]!;
  let s: Sample;
  try {
    s = mode.kind === "load"
      ? await measureLoad(clients, server, modeName, round, open)
      : await measureConns(clients, server, modeName, round);
  } catch (error) {
    s = {
      round,
      error: `${(error as Error).message}${server.tail() ? `\n--- server output ---\n${server.tail()}` : ""}`,
    };
  }
  s.loadAvg = loadAvg();
  if (pair !== undefined) s.pair = pair;
  ((results[server.runtime] ??= {})[modeName] ??= { ours: [], native: [] })[server.target].push(s);
  log(
    `${server.runtime.padEnd(7)} ${modeName.padEnd(9)} round ${round} ${server.target.padEnd(6)} ${describe(s)}` +
      ` (load ${s.loadAvg.toFixed(1)})`,
  );
}

function loadAvg(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}

function openFilesLimit(): number {
  const limits = readFileSync("/proc/self/limits", "utf8");
  return Number(/Max open files\s+(\d+)/.exec(limits)?.[1] ?? 0);
}

async function run(clients: Clients, results: Results): Promise<void> {
  for (const runtime of config.runtimes) {
    const applies = (mode: string) => {
      const reason = MODES[mode]!.compression ? compressionNotApplicable(runtime) : undefined;
      if (reason) {
        notApplicable.push({ runtime, mode, reason });
        log(`${runtime} ${mode}: ${reason}`);
      }
      return reason === undefined;
    };
    const loadModes = config.modes.filter((m) => MODES[m]!.kind === "load" && applies(m));
    const connsModes = config.modes.filter((m) => MODES[m]!.kind === "conns" && applies(m));
    for (const mode of loadModes) {
      // A process's own state (what its JIT compiled, where its heap landed)
      // can hold one server 20 % off for minutes: Node pipelined, ours/native
      // 1.22 over 100 rounds on one pair, 1.03 on the next pair started right
      // after. Slices of one pair cannot show that, so each mode runs on fresh
      // pairs of processes, and the interval is taken over the pairs.
      const pairs = Math.ceil(config.rounds / config.pairRounds);
      for (let pair = 1; pair <= pairs; pair++) {
        const first = (pair - 1) * config.pairRounds + 1;
        const last = Math.min(config.rounds, pair * config.pairRounds);
        const servers: Server[] = [];
        const open = new Set<Target>();
        try {
          for (const target of TARGETS) servers.push(await startFor(runtime, target, mode));
          log(
            `${runtime} ${mode}: pair ${pair} of ${pairs}, ours pid ${servers[0]!.pid}, native pid ${servers[1]!.pid}`,
          );
          for (let round = first; round <= last; round++) {
            // Ours first in odd rounds, native first in even ones: a drift
            // over the seconds of a round then favours neither.
            const order = round % 2 === 1 ? servers : [...servers].reverse();
            for (const server of order) await sample(clients, server, mode, round, results, open, pair);
          }
        } catch (error) {
          log(`${runtime} ${mode}: ${(error as Error).message}`);
          for (const target of TARGETS) {
            ((results[runtime] ??= {})[mode] ??= { ours: [], native: [] })[target].push({
              round: first,
              pair,
              error: (error as Error).message,
            });
          }
        } finally {
          for (const set of open) await clients.all({ cmd: "close", set }).catch(() => {});
          for (const s of servers) await s.stop();
        }
      }
    }
    for (const mode of connsModes) {
      const count = (MODES[mode] as ConnsMode).count;
      const limit = openFilesLimit();
      for (let round = 1; round <= config.connsRounds; round++) {
        for (const target of TARGETS) {
          if (limit < count / clients.count + 200) {
            const error = `ulimit -n is ${limit}: too low for ${count} connections (bench/run.sh raises it)`;
            ((results[runtime] ??= {})[mode] ??= { ours: [], native: [] })[target].push({ round, error });
            continue;
          }
          // A fresh server each time, so the memory measured is these connections' alone.
          let server: Server | undefined;
          try {
            server = await startFor(runtime, target, mode);
            await sample(clients, server, mode, round, results);
          } catch (error) {
            ((results[runtime] ??= {})[mode] ??= { ours: [], native: [] })[target].push({
              round,
              error: (error as Error).message,
            });
            log(`${runtime} ${mode} ${target}: ${(error as Error).message}`);
          } finally {
            await server?.stop();
          }
        }
      }
    }
    if (config.modes.includes("cores")) {
      coresResults.push(await measureCores(clients, runtime, { ...config, log }));
    }
    if (config.modes.includes("storm")) {
      if (openFilesLimit() < config.stormConnections / clients.count + 200) {
        stormResults.push({
          runtime,
          connections: config.stormConnections,
          samples: [],
          skipped: `ulimit -n is ${openFilesLimit()}: too low (bench/run.sh raises it)`,
        });
      } else {
        stormResults.push(
          await measureStorm(clients, runtime, {
            ...config,
            rounds: config.connsRounds,
            connections: config.stormConnections,
            log,
          }),
        );
      }
    }
  }
}

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } })
      .split("\n")[0]!.trim();
  } catch {
    return "unknown";
  }
}

function machine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const pkg = (name: string) => {
    try {
      return JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8")).version as string;
    } catch {
      return "unknown";
    }
  };
  return {
    nproc: availableParallelism(),
    cpu: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    memoryGiB: Math.round(Number(/MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1]) / 1024 / 1024),
    node: process.version,
    deno: version("node_modules/deno/deno", ["--version"]),
    bun: version("node_modules/.bin/bun", ["--version"]),
    workerd: pkg("workerd"),
    miniflare: pkg("miniflare"),
    hono: pkg("hono"),
    honoNodeServer: pkg("@hono/node-server"),
    ws: pkg("ws"),
    // What was measured: the tree may hold others' uncommitted work.
    commit: version("git", ["rev-parse", "--short", "HEAD"]),
    dirtySrc: version("git", ["status", "--short", "--", "src"]) !== "",
  };
}

async function main(): Promise<void> {
  const started = new Date();
  const host = machine();
  log(
    `bench: ${config.runtimes.join(",")} × ${config.modes.join(",")}; ${config.rounds} rounds ` +
      `(${config.pairRounds} per pair of server processes) of ` +
      `${config.warmup}+${config.seconds} s (connection scale: ${config.connsRounds}); ${config.clients} client process(es); ${host.nproc}× ${host.cpu}`,
  );
  const clients = new Clients(config.clients);
  const results: Results = {};
  const interrupted = () => {
    clients.stop();
    void stopAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    await run(clients, results);
  } finally {
    clients.stop();
    await stopAll();
  }
  const rows = summarize(results, config.runtimes, config.modes);
  const cores = coresResults.length > 0 ? `\n\n${coresReport(coresResults)}` : "";
  const storm = stormResults.length > 0 ? `\n\n${stormReport(stormResults)}` : "";
  const na = notApplicable.length > 0
    ? `\n\nNot measured:\n${notApplicable.map((n) => `- ${n.runtime} ${n.mode}: ${n.reason}`).join("\n")}`
    : "";
  const title = chartTitle(host, started.toISOString());
  // BENCH_MODES=cores alone has no ours/native rows: its own report only.
  const text = rows.length === 0
    ? [coresReport(coresResults), stormReport(stormResults)].filter((_, i) =>
      [coresResults, stormResults][i]!.length > 0
    )
      .join("\n\n")
    : `${
      table(rows)
    }\n\nAt a glance (✗: misses the issue's target; ~: this run cannot tell: the target lies inside the median ratio's 95% confidence interval, taken over the pairs of server processes (at 6 to 8 pairs, between the lowest and highest pair's median), or the run had fewer than 6 pairs (or samples), too few for a 95% interval):\n\n${
      ratioTable(rows)
    }${cores}${storm}${na}`;
  console.log(`\n${title}\n\n${text}\n`);
  mkdirSync("bench-results", { recursive: true });
  const stamp = started.toISOString().replaceAll(":", "-").slice(0, 19);
  const json = JSON.stringify(
    {
      started: started.toISOString(),
      machine: host,
      config,
      modes: MODES,
      summary: rows,
      samples: results,
      ...(coresResults.length > 0 && { cores: coresResults }),
      ...(stormResults.length > 0 && { storm: stormResults }),
      ...(notApplicable.length > 0 && { notApplicable }),
    },
    null,
    2,
  );
  const svg = chart(rows, title);
  for (const name of [`bench-${stamp}`, "latest"]) {
    writeFileSync(`bench-results/${name}.json`, json);
    writeFileSync(`bench-results/${name}.svg`, svg);
    writeFileSync(`bench-results/${name}.md`, `${title}\n\n${text}\n`);
  }
  const partial = partialRun(host);
  if (partial) {
    log(`${DOCS_CHART} left alone: ${partial}`);
  } else {
    writeFileSync(DOCS_CHART, chart(rows.filter((r) => CHART_MODES.includes(r.mode)), title));
    log(`wrote ${DOCS_CHART}: commit it with the table in docs/benchmarks.md`);
  }
  const errors = rows.filter((r) => r.errors.length > 0);
  const saturated = rows.filter((r) => r.clientCpu >= 0.9);
  const missed = rows.filter((r) => meets(r) === false);
  log(`wrote bench-results/bench-${stamp}.{json,svg,md} (and latest.*)`);
  if (saturated.length > 0) {
    log(
      `client saturated (≥90% of a core) in: ${
        [...new Set(saturated.map((r) => `${r.runtime}/${r.mode}`))].join(", ")
      }` +
        ` — msgs/s there may be the client's limit; server CPU/msg is still the server's`,
    );
  }
  if (missed.length > 0) log(`${missed.length} ratio(s) miss the issue's target (marked MISS)`);
  if (errors.length > 0) {
    for (const r of errors) log(`ERROR ${r.runtime}/${r.mode}: ${r.errors[0]}`);
    process.exitCode = 1;
  }
  for (const error of [...coresErrors(coresResults), ...stormErrors(stormResults)]) {
    log(`ERROR ${error.split("\n")[0]}`);
    process.exitCode = 1;
  }
}

/** The chart docs/benchmarks.md shows; only a run like the table's draws it (see `partialRun`). */
const DOCS_CHART = "docs/benchmarks.svg";
/** The load modes that chart needs and shows; the compressed ones have their own table (docs/benchmarks.md). */
const CHART_MODES: readonly string[] = ["pingpong", "pipelined", "stream", "large"];

function chartTitle(host: ReturnType<typeof machine>, started: string): string {
  return `ws-echo vs native echo at ${host.commit}${
    host.dirtySrc ? " (src/ changed)" : ""
  }, ${host.nproc}× ${host.cpu}, ${started.slice(0, 16)}Z`;
}

function chart(rows: readonly Row[], title: string): string {
  return svgChart(rows.filter((r) => r.target !== undefined || r.metric === "p99 latency"), title);
}

/**
 * Why this run's chart would not stand for the table in docs/benchmarks.md, or
 * undefined when it does: every runtime and load mode, both servers as the
 * bench defines them, our options at their defaults, and src/ as committed.
 */
function partialRun(host: ReturnType<typeof machine>): string | undefined {
  if (config.runtimes.length < RUNTIMES.length) return `not every runtime ran (${config.runtimes.join(",")})`;
  if (CHART_MODES.some((m) => !config.modes.includes(m))) {
    return `not every load mode of the chart ran (${config.modes.join(",")}; needs ${CHART_MODES.join(",")})`;
  }
  if (Object.keys(config.oursEnv).length > 0) return "BENCH_OURS_ENV changed our options";
  if (process.env.NATIVE_ASSETS) return "NATIVE_ASSETS changed the native Worker";
  if (process.env.HONO_FLOOR) return `HONO_FLOOR put a bare Hono app on the ${process.env.HONO_FLOOR} side`;
  if (host.dirtySrc) return "src/ has uncommitted changes";
  return undefined;
}

// `sh bench/run.sh --report bench-results/x.json`: the tables again from a saved run, without measuring.
// `sh bench/run.sh --chart bench-results/x.json`: docs/benchmarks.svg from a saved run, without measuring.
if (process.argv[2] === "--report" || process.argv[2] === "--chart") {
  const file = process.argv[3] ?? "bench-results/latest.json";
  const saved = JSON.parse(readFileSync(file, "utf8")) as {
    summary: Row[];
    started: string;
    machine: ReturnType<typeof machine>;
  };
  if (process.argv[2] === "--report") {
    console.log(`${table(saved.summary)}\n\n${ratioTable(saved.summary)}`);
  } else {
    writeFileSync(DOCS_CHART, chart(saved.summary, chartTitle(saved.machine, saved.started)));
    log(`wrote ${DOCS_CHART} from ${file}`);
  }
} else {
  await main();
}
