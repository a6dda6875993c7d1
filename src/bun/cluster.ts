/**
 * WORKERS on Bun: N `bun` processes of this same entry, each `Bun.serve` with
 * `reusePort` (SO_REUSEPORT: the Linux kernel spreads new connections over
 * the sockets by a hash of their addresses and ports). Bun's guide for using
 * every core (https://bun.sh/guides/http/cluster) is exactly this; its
 * `node:cluster` cannot pass sockets between processes and relies on the same
 * option. Linux only: elsewhere Bun ignores `reusePort` and a second worker
 * would fail to bind. The primary hears each worker over Bun's IPC channel.
 * The policy is src/supervisor.ts; this is the wiring.
 */
import process from "node:process";
import { readyLine } from "../listen.ts";
import type { Logger } from "../log.ts";
import { type EchoMetrics, processMetricsOf } from "../metrics.ts";
import { MetricsAggregator, WorkerMetrics } from "../metrics-cluster.ts";
import type { WholeServerMetrics } from "../metrics-route.ts";
import { type EchoOptions, OptionError } from "../options.ts";
import { type ClusterRole, clusterRole as roleOf, Supervisor, WORKER_ENV } from "../supervisor.ts";

/** What a worker sends the primary once it listens. */
interface ReadyMessage {
  type: "ws-echo ready";
  port: number;
}

/** This process's role; `navigator.hardwareConcurrency` is the CPUs Bun may use. */
export function clusterRole(options: EchoOptions): ClusterRole {
  const role = roleOf(options, Bun.env, navigator.hardwareConcurrency, process.pid);
  if (role.primary && process.platform !== "linux") {
    // Elsewhere SO_REUSEPORT does not spread connections (or Bun ignores it): fail now, not in a crash loop.
    throw new OptionError(`WORKERS > 1 needs Linux on Bun (SO_REUSEPORT), not ${process.platform}`);
  }
  if (role.index !== undefined) {
    // See src/node/cluster.ts: a second SIGTERM/SIGINT must not kill a worker mid-close.
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => {});
    // The primary is gone (even by SIGKILL): stop as on SIGTERM, leaving no orphan.
    process.once("disconnect", () => process.kill(process.pid, "SIGTERM"));
  }
  return role;
}

/** A worker tells the primary it listens; a process serving alone prints the ready line. */
export function announce(role: ClusterRole, hostname: string, port: number, tls = false): void {
  if (role.index === undefined) console.log(readyLine("bun", hostname, port, tls));
  else process.send?.({ type: "ws-echo ready", port } satisfies ReadyMessage);
}

/** The primary: starts the workers and supervises them until the server stops; never returns. */
export function superviseWorkers(
  role: ClusterRole,
  port: number,
  hostname: string,
  log: Logger,
  tls = false,
): Promise<never> {
  const children = new Map<number, Bun.Subprocess>();
  // /metrics for the whole server (src/metrics-cluster.ts), over Bun's IPC channels.
  const aggregator = role.options.metrics
    ? new MetricsAggregator({
      send: (pid, message) => {
        try {
          children.get(pid)?.send(message);
        } catch {
          // the worker is gone; its exit is on its way
        }
      },
      process: processMetricsOf(process),
    })
    : undefined;
  const supervisor: Supervisor = new Supervisor({
    spawn(index, port) {
      const child = Bun.spawn([process.execPath, Bun.main], {
        env: { ...Bun.env, [WORKER_ENV]: String(index), PORT: String(port) },
        stdio: ["ignore", "inherit", "inherit"],
        ipc(message: ReadyMessage, child) {
          if (message?.type === "ws-echo ready") {
            aggregator?.ready(child.pid);
            supervisor.ready(index, message.port);
          } else aggregator?.message(child.pid, message);
        },
        onExit: (child, code, signal) => {
          children.delete(child.pid);
          aggregator?.exited(child.pid);
          supervisor.exited(index, { code, signal: signal === null ? null : String(signal) });
        },
      });
      children.set(child.pid, child);
      return { pid: child.pid, signal: (signal) => child.kill(signal) };
    },
    listening: (port) => console.log(readyLine("bun", hostname, port, tls)),
    exit: (code) => process.exit(code),
  }, { workers: role.workers, port, log });
  process.on("SIGTERM", () => supervisor.stop());
  process.on("SIGINT", () => supervisor.stop());
  supervisor.start();
  return new Promise<never>(() => {});
}

/** A worker's `/metrics` answers for the whole server: it asks the primary over Bun's IPC channel. */
export function wholeServerMetrics(metrics: EchoMetrics): WholeServerMetrics {
  const worker = new WorkerMetrics({ snapshot: () => metrics.snapshot(), send: (message) => process.send?.(message) });
  process.on("message", (message) => worker.message(message));
  return () => worker.scrape();
}
