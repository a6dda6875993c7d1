/**
 * WORKERS on Deno: N `deno run` processes of this same entry, each
 * `Deno.serve` with `reusePort` (SO_REUSEPORT: the Linux kernel spreads new
 * connections over the sockets by a hash of their addresses and ports).
 * Not `deno serve --parallel`: it runs the workers as threads of one process
 * (one pid, nothing to replace alone), takes a default-exported `fetch`
 * instead of our entry's own `Deno.serve`, and on SIGTERM aborts the server
 * rather than closing WebSockets with 1001 (denoland/deno#32862). Linux only:
 * elsewhere `reusePort` is ignored and a second worker would fail to bind.
 * `Deno.Command` has no IPC channel: a worker says it listens in one stderr
 * line (READY_MARKER), and learns that the primary is gone when its stdin, a
 * pipe from the primary, ends. The policy is src/supervisor.ts; this is the wiring.
 */
import { readyLine } from "../listen.ts";
import process from "node:process";
import type { Logger } from "../log.ts";
import { type EchoMetrics, processMetricsOf } from "../metrics.ts";
import {
  decodeLine,
  encodeLine,
  LineSplitter,
  MetricsAggregator,
  type MetricsMessage,
  WorkerMetrics,
} from "../metrics-cluster.ts";
import type { WholeServerMetrics } from "../metrics-route.ts";
import { type EchoOptions, OptionError } from "../options.ts";
import { type ClusterRole, clusterRole as roleOf, READY_MARKER, Supervisor, WORKER_ENV } from "../supervisor.ts";

/**
 * What a worker runs: the permissions of `deno task start` (deno.json), which
 * the primary cannot read back from its own command line. Keep them in step.
 */
const WORKER_FLAGS = ["run", "--allow-net", "--allow-read=./public", "--allow-env", "--unstable-net"];

/** This process's role; `navigator.hardwareConcurrency` is the CPUs Deno may use. */
export function clusterRole(options: EchoOptions): ClusterRole {
  const role = roleOf(options, Deno.env.toObject(), navigator.hardwareConcurrency, Deno.pid);
  if (role.primary && Deno.build.os !== "linux") {
    // Elsewhere SO_REUSEPORT does not spread connections (or Deno ignores it): fail now, not in a crash loop.
    throw new OptionError(`WORKERS > 1 needs Linux on Deno (SO_REUSEPORT), not ${Deno.build.os}`);
  }
  if (role.index !== undefined) void stopWhenOrphaned();
  return role;
}

/** A worker tells the primary it listens; a process serving alone prints the ready line. */
export function announce(role: ClusterRole, hostname: string, port: number, tls = false): void {
  if (role.index === undefined) console.log(readyLine("deno", hostname, port, tls));
  else console.error(`${READY_MARKER}${port}`);
}

/** The primary: starts the workers and supervises them until the server stops; never returns. */
export function superviseWorkers(
  role: ClusterRole,
  port: number,
  hostname: string,
  log: Logger,
  tls = false,
): Promise<never> {
  // /metrics for the whole server (src/metrics-cluster.ts): messages are lines on each worker's stdin and stderr.
  const stdins = new Map<number, WritableStreamDefaultWriter<Uint8Array>>();
  const encoder = new TextEncoder();
  const aggregator = role.options.metrics
    ? new MetricsAggregator({
      send: (pid, message) => void stdins.get(pid)?.write(encoder.encode(`${encodeLine(message)}\n`)).catch(() => {}),
      process: processMetricsOf(process),
    })
    : undefined;
  const supervisor: Supervisor = new Supervisor({
    spawn(index, port) {
      const child = new Deno.Command(Deno.execPath(), {
        args: [...WORKER_FLAGS, Deno.mainModule],
        env: { [WORKER_ENV]: String(index), PORT: String(port) },
        stdin: "piped",
        stdout: "inherit",
        stderr: "piped",
      }).spawn();
      const pid = child.pid;
      if (aggregator) stdins.set(pid, child.stdin.getWriter());
      void forwardStderr(child.stderr, {
        ready: (port) => {
          aggregator?.ready(pid);
          supervisor.ready(index, port);
        },
        message: (message) => aggregator?.message(pid, message),
      });
      void child.status.then(({ code, signal }) => {
        stdins.delete(pid);
        aggregator?.exited(pid);
        supervisor.exited(index, { code: signal ? null : code, signal });
      });
      return {
        pid: child.pid,
        signal: (signal) => {
          try {
            child.kill(signal);
          } catch {
            // already exited; its status is on its way
          }
        },
      };
    },
    listening: (port) => console.log(readyLine("deno", hostname, port, tls)),
    exit: (code) => Deno.exit(code),
  }, { workers: role.workers, port, log });
  Deno.addSignalListener("SIGTERM", () => supervisor.stop());
  Deno.addSignalListener("SIGINT", () => supervisor.stop());
  supervisor.start();
  return new Promise<never>(() => {});
}

/** Passes a worker's stderr on line by line, taking out its ready line and its metrics messages. */
async function forwardStderr(
  stream: ReadableStream<Uint8Array>,
  on: { ready: (port: number) => void; message: (message: MetricsMessage) => void },
): Promise<void> {
  const encoder = new TextEncoder();
  const lines = new LineSplitter();
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    for (const line of lines.push(chunk)) {
      const message = decodeLine(line);
      if (message) on.message(message);
      else if (line.startsWith(READY_MARKER)) on.ready(Number(line.slice(READY_MARKER.length)));
      else await Deno.stderr.write(encoder.encode(`${line}\n`));
    }
  }
  const rest = lines.rest();
  if (rest) await Deno.stderr.write(encoder.encode(rest));
}

/** Where a worker's stdin hands the primary's metrics messages, once the app is there. */
let fromPrimary: ((message: MetricsMessage) => void) | undefined;

/**
 * stdin is a pipe from the primary: it carries the primary's metrics messages,
 * and its end means the primary is gone (even by SIGKILL). Stop as on SIGTERM.
 */
async function stopWhenOrphaned(): Promise<void> {
  const lines = new LineSplitter();
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    for (const line of lines.push(chunk)) {
      const message = decodeLine(line);
      if (message) fromPrimary?.(message);
    }
  }
  Deno.kill(Deno.pid, "SIGTERM");
}

/**
 * A worker's `/metrics` answers for the whole server: it asks the primary in
 * a line on stderr, written at once like the ready line and the log's own
 * lines (one short line per scrape and per collection, never per message),
 * and hears back on stdin.
 */
export function wholeServerMetrics(metrics: EchoMetrics): WholeServerMetrics {
  const worker = new WorkerMetrics({
    snapshot: () => metrics.snapshot(),
    send: (message) => console.error(encodeLine(message)),
  });
  fromPrimary = (message) => worker.message(message);
  return () => worker.scrape();
}
