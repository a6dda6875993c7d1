/**
 * WORKERS on Node: `node:cluster`. The primary holds the listening socket and
 * hands each new connection to the next worker free to take one (SCHED_RR,
 * the default on Linux), so connections split near evenly whatever the
 * clients' addresses; port 0 is one shared port. `net.Server`'s `reusePort` would let workers bind on
 * their own, but it exists only from Node 22.12/23.1 (nodejs/node#55408) and
 * we run on Node 20. The policy is src/supervisor.ts; this is the wiring.
 */
import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import process from "node:process";
import { readyLine } from "../listen.ts";
import type { Logger } from "../log.ts";
import { type EchoMetrics, processMetricsOf } from "../metrics.ts";
import { MetricsAggregator, WorkerMetrics } from "../metrics-cluster.ts";
import type { WholeServerMetrics } from "../metrics-route.ts";
import type { EchoOptions } from "../options.ts";
import { type ClusterRole, clusterRole as roleOf, Supervisor, WORKER_ENV } from "../supervisor.ts";

/** This process's role; `availableParallelism()` honours the CPU affinity mask. */
export function clusterRole(options: EchoOptions): ClusterRole {
  const role = roleOf(options, process.env, availableParallelism(), process.pid);
  if (role.index !== undefined) {
    // A worker stops on its first SIGTERM/SIGINT (the entry's handlers). A
    // second one comes when Ctrl-C reaches the whole group and the primary
    // forwards SIGTERM too: without a listener left it would kill the worker mid-close.
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => {});
  }
  return role;
}

/**
 * The primary: forks `role.workers` workers of this same entry and supervises
 * them until the server stops; it then exits, so this never returns. A worker
 * exits by itself when the primary is gone (node:cluster ends a worker whose
 * IPC channel closes).
 */
export function superviseWorkers(
  role: ClusterRole,
  port: number,
  hostname: string,
  log: Logger,
  tls = false,
): Promise<never> {
  const indexOf = new Map<number, number>();
  const byPid = new Map<number, Worker>();
  // /metrics for the whole server (src/metrics-cluster.ts), over node:cluster's IPC channels.
  const aggregator = role.options.metrics
    ? new MetricsAggregator({
      send: (pid, message) => {
        const worker = byPid.get(pid);
        if (worker?.isConnected()) worker.send(message, undefined, undefined, () => {});
      },
      process: processMetricsOf(process),
    })
    : undefined;
  const supervisor = new Supervisor({
    sharesPortZero: true,
    spawn(index, port) {
      const worker = cluster.fork({ [WORKER_ENV]: String(index), PORT: String(port) });
      indexOf.set(worker.id, index);
      byPid.set(worker.process.pid!, worker);
      // worker.kill() would first disconnect, which waits for every connection to end.
      return { pid: worker.process.pid!, signal: (signal) => void worker.process.kill(signal) };
    },
    listening: (port) => console.log(readyLine("node", hostname, port, tls)),
    exit: (code) => process.exit(code),
  }, { workers: role.workers, port, log });
  cluster.on("listening", (worker, address) => {
    aggregator?.ready(worker.process.pid!);
    supervisor.ready(indexOf.get(worker.id)!, address.port);
  });
  cluster.on("message", (worker, message) => aggregator?.message(worker.process.pid!, message));
  cluster.on("exit", (worker, code, signal) => {
    const index = indexOf.get(worker.id)!;
    indexOf.delete(worker.id);
    byPid.delete(worker.process.pid!);
    aggregator?.exited(worker.process.pid!);
    supervisor.exited(index, { code, signal });
  });
  process.on("SIGTERM", () => supervisor.stop());
  process.on("SIGINT", () => supervisor.stop());
  supervisor.start();
  return new Promise<never>(() => {});
}

/** A worker's `/metrics` answers for the whole server: it asks the primary over the IPC channel. */
export function wholeServerMetrics(metrics: EchoMetrics): WholeServerMetrics {
  const worker = new WorkerMetrics({
    snapshot: () => metrics.snapshot(),
    send: (message) => void process.send?.(message, undefined, undefined, () => {}),
  });
  process.on("message", (message) => worker.message(message));
  return () => worker.scrape();
}
