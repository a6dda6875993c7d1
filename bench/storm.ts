/**
 * `BENCH_MODES=storm`: a reconnect storm (issue 27). 10,000 connections open
 * to a server, each echoing once; SIGTERM to the server (it closes them all
 * with 1001 and exits); a fresh server of the same kind starts on the same
 * port, as a process manager would restart it; every client reconnects with
 * jittered backoff (bench/storm-client.ts) and echoes once more. Measured: the
 * time from SIGTERM until all 10,000 echo again ("recovery"), and from the
 * fresh server's ready line ("after ready"), ours against native; and that no
 * client was left out. The native servers close with 1001 on SIGTERM here too
 * (NATIVE_GRACEFUL, bench/native/*.mjs). Both servers start as the other
 * modes start them: the runtime on the entry file directly, as a process
 * manager restarts ours (bench/servers.ts), so recovery includes the
 * runtime's start-up and our module loading, which "after ready" leaves out.
 *
 * Workers: not measured. workerd drains on SIGTERM and closes no WebSocket
 * itself (test/runtimes.ts `gracefulShutdown`), so there is no 1001 storm to
 * time; the report says so.
 */
import { performance } from "node:perf_hooks";
import { processAlive } from "../test/harness/proc.ts";
import type { ClientPool } from "./cores.ts";
import { cpuSeconds, type Runtime, type Server, sleep, startServer, type Target } from "./servers.ts";
import { epochMs, STORM_BACKOFF, type StormStats } from "./storm-client.ts";
import { median } from "./stats.ts";

/** The issue's count; BENCH_STORM_CONNECTIONS may lower it for a quick try (the report says how many). */
export const STORM_CONNECTIONS = 10_000;
/** Handshakes in flight while the 10,000 first open (as the conns modes). */
const OPEN_CONCURRENCY = 64;
/** All clients must echo again within this after the fresh server is ready. */
const RECOVERY_DEADLINE_MS = 90_000;

interface StormSample {
  round: number;
  target: Target;
  error?: string;
  /** SIGTERM → every client echoing again, seconds. */
  recovery?: number;
  /** The old server's exit after SIGTERM, seconds. */
  exit?: number;
  /** Fresh server's spawn → its ready line, seconds. */
  start?: number;
  /** Fresh server ready → every client echoing again, seconds. */
  afterReady?: number;
  /** Server CPU from its ready line to the last echo, per reconnected client, µs. */
  cpuUsPerReconnect?: number;
  echoedAgain?: number;
  closeCodes?: Record<string, number>;
  attempts?: number;
  failed?: number;
  maxAttempts?: number;
}

export interface StormResult {
  runtime: Runtime;
  connections: number;
  samples: StormSample[];
  skipped?: string;
}

export interface StormConfig {
  rounds: number;
  connections: number;
  oursEnv: Record<string, string>;
  nativeOursEnv: Record<string, string> | undefined;
  log: (line: string) => void;
}

export async function measureStorm(clients: ClientPool, runtime: Runtime, config: StormConfig): Promise<StormResult> {
  if (runtime === "workers") {
    return {
      runtime,
      connections: config.connections,
      samples: [],
      skipped: "workerd drains on SIGTERM and sends no 1001 (gracefulShutdown)",
    };
  }
  const samples: StormSample[] = [];
  for (let round = 1; round <= config.rounds; round++) {
    const order: Target[] = round % 2 === 1 ? ["ours", "native"] : ["native", "ours"];
    for (const target of order) {
      const s = await stormOnce(clients, runtime, target, round, config);
      samples.push(s);
      config.log(`${runtime.padEnd(7)} storm     round ${round} ${target.padEnd(6)} ${describe(s)}`);
    }
  }
  return { runtime, connections: config.connections, samples };
}

async function stormOnce(
  clients: ClientPool,
  runtime: Runtime,
  target: Target,
  round: number,
  config: StormConfig,
): Promise<StormSample> {
  const env = { NATIVE_GRACEFUL: "1" };
  const start = (port?: number) =>
    startServer(runtime, target, config.oursEnv, undefined, config.nativeOursEnv, { port, env });
  let old: Server | undefined;
  let fresh: Server | undefined;
  try {
    old = await start();
    await clients.all((i) => ({
      cmd: "stormOpen",
      host: "127.0.0.1",
      port: old!.port,
      connections: clients.share(config.connections, i),
      concurrency: Math.ceil(OPEN_CONCURRENCY / clients.count),
    }));
    await clients.all({ cmd: "stormArm" });
    const t0 = epochMs();
    // To the serving process, as a process manager sends it.
    process.kill(old.pid, "SIGTERM");
    const exitBy = performance.now() + 15_000;
    while (processAlive(old.pid)) {
      if (performance.now() > exitBy) throw new Error("the old server did not exit within 15 s of SIGTERM");
      await sleep(5);
    }
    const tExit = epochMs();
    await old.stop();
    fresh = await start(old.port);
    const tReady = epochMs();
    const cpu0 = cpuSeconds(fresh.pid);
    const stats = await clients.all<StormStats>(
      { cmd: "stormWait", timeoutMs: RECOVERY_DEADLINE_MS },
      RECOVERY_DEADLINE_MS + 30_000,
    );
    const cpu1 = cpuSeconds(fresh.pid);
    const echoedAgain = stats.reduce((n, s) => n + s.echoedAgain, 0);
    const closeCodes: Record<string, number> = {};
    for (const s of stats) {
      for (const [code, n] of Object.entries(s.closeCodes)) closeCodes[code] = (closeCodes[code] ?? 0) + n;
    }
    const lastEcho = Math.max(...stats.map((s) => s.lastEchoAt));
    const sample: StormSample = {
      round,
      target,
      recovery: (lastEcho - t0) / 1000,
      exit: (tExit - t0) / 1000,
      start: (tReady - tExit) / 1000,
      afterReady: (lastEcho - tReady) / 1000,
      cpuUsPerReconnect: ((cpu1 - cpu0) * 1e6) / Math.max(1, echoedAgain),
      echoedAgain,
      closeCodes,
      attempts: stats.reduce((n, s) => n + s.attempts, 0),
      failed: stats.reduce((n, s) => n + s.failed, 0),
      maxAttempts: Math.max(...stats.map((s) => s.maxAttempts)),
    };
    if (echoedAgain < config.connections) {
      sample.error = `${config.connections - echoedAgain} of ${config.connections} clients left out: ` +
        `not echoing again ${RECOVERY_DEADLINE_MS / 1000} s after the fresh server was ready`;
    }
    return sample;
  } catch (error) {
    const tail = (fresh ?? old)?.tail();
    return { round, target, error: `${(error as Error).message}${tail ? `\n--- server output ---\n${tail}` : ""}` };
  } finally {
    await clients.all({ cmd: "stormClose" }).catch(() => {});
    await old?.stop();
    await fresh?.stop();
  }
}

function describe(s: StormSample): string {
  const codes = Object.entries(s.closeCodes ?? {}).map(([c, n]) => `${c}×${n}`).join(" ");
  const head = s.recovery === undefined
    ? ""
    : `recovery ${s.recovery.toFixed(2)} s (exit ${s.exit!.toFixed(2)}, start ${s.start!.toFixed(2)}, after ready ${
      s.afterReady!.toFixed(2)
    }), ${s.cpuUsPerReconnect!.toFixed(0)} µs CPU/reconnect, ${s.echoedAgain} echoing again, closes ${codes}, ` +
      `${s.attempts} attempts (${s.failed} failed, max ${s.maxAttempts} for one client)`;
  return s.error ? `${head}${head ? "; " : ""}ERROR ${s.error.split("\n")[0]}` : head;
}

/** The terminal/markdown report of the storm mode. */
export function stormReport(results: StormResult[]): string {
  const lines = [
    `storm — ${
      results.map((r) => r.connections.toLocaleString("en")).filter((v, i, a) => a.indexOf(v) === i).join("/")
    } connections; SIGTERM (1001 to all); a fresh server on the ` +
    `same port; reconnect within ${STORM_BACKOFF.firstJitterMs} ms (uniform jitter), then full-jitter backoff ` +
    `${STORM_BACKOFF.retryBaseMs} ms × 2^n up to ${STORM_BACKOFF.retryCapMs} ms. Medians over the rounds; ratio: ` +
    `median of the rounds' own ours/native ratios (lowest–highest round).`,
    "",
    "| runtime | metric | ours | native | ours/native | target | left out |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    if (r.skipped) {
      lines.push(`| ${r.runtime} | not measured: ${r.skipped} | | | | | |`);
      continue;
    }
    const ok = (t: Target) => r.samples.filter((s) => s.target === t && !s.error);
    const leftOut = r.samples.reduce(
      (n, s) => n + (s.echoedAgain === undefined ? 0 : r.connections - s.echoedAgain),
      0,
    );
    const failedRuns = r.samples.filter((s) => s.error).length;
    const metrics: [keyof StormSample, string, string, number | undefined][] = [
      ["recovery", "recovery (SIGTERM → all echo)", "s", 1.1],
      ["afterReady", "after ready (fresh server → all echo)", "s", undefined],
      ["exit", "old server's exit", "s", undefined],
      ["start", "fresh server's start", "s", undefined],
      ["cpuUsPerReconnect", "server CPU/reconnect", "µs", undefined],
    ];
    for (const [key, name, unit, target] of metrics) {
      const value = (s: StormSample) => s[key] as number;
      const ours = median(ok("ours").map(value));
      const native = median(ok("native").map(value));
      const ratios = ok("ours").flatMap((o) => {
        const n = ok("native").find((s) => s.round === o.round);
        return n ? [value(o) / value(n)] : [];
      });
      const ratio = ratios.length > 0 ? median(ratios) : NaN;
      const range = ratios.length > 1 ? ` (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})` : "";
      const verdict = target === undefined || !Number.isFinite(ratio)
        ? ""
        : ratios.length > 1 && Math.min(...ratios) <= target && target < Math.max(...ratios)
        ? ` ~`
        : ratio <= target
        ? ""
        : " ✗";
      const fmt = (v: number) => (unit === "s" ? v.toFixed(2) : v.toFixed(0)) + ` ${unit}`;
      lines.push(
        `| ${r.runtime} | ${name} | ${fmt(ours)} | ${fmt(native)} | ${ratio.toFixed(2)}${range}${verdict} | ${
          target === undefined ? "" : `≤ ${target}`
        } | ${key === "recovery" ? `${leftOut}${failedRuns > 0 ? ` (${failedRuns} run(s) failed)` : ""}` : ""} |`,
      );
    }
  }
  lines.push(
    "",
    "✗: misses the target; ~: the target lies between the lowest and highest round's ratio.",
    "",
  );
  return lines.join("\n");
}

/** Every storm run that failed, as error lines. */
export function stormErrors(results: StormResult[]): string[] {
  return results.flatMap((r) =>
    r.samples.filter((s) => s.error).map((s) => `${r.runtime}/storm ${s.target} round ${s.round}: ${s.error}`)
  );
}
