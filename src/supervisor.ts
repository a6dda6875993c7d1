/**
 * WORKERS > 1: one primary process supervises N serving processes. This file is
 * the policy every runtime shares; `src/<runtime>/cluster.ts` is the wiring
 * (how a worker is started, signalled and heard from):
 *
 * - start-up: one `listening` line, once every worker accepts connections;
 * - a worker that dies is replaced at once (no back-off: its peers keep serving,
 *   and a slow start is the runtime's, not a delay of ours);
 * - more than 2 × WORKERS deaths in 10 s is a crash loop: the primary stops the
 *   others and exits 1 with a message, never a silent spin;
 * - SIGTERM/SIGINT to the primary: every worker gets SIGTERM (it stops accepting
 *   and closes its WebSockets with 1001, src/shutdown.ts); the primary exits 0
 *   once all are gone, SIGKILLing any still there when the budget is over.
 */
import type { LogFields, Logger } from "./log.ts";
import { type EchoOptions, MAX_WORKERS, OptionError } from "./options.ts";
import { SHUTDOWN_GRACE_MS } from "./shutdown.ts";

/** Set in a worker's environment to its index (0 … WORKERS − 1); absent in the primary. */
export const WORKER_ENV = "WS_ECHO_WORKER";
/** The crash-loop window: more than 2 × WORKERS deaths within it stop the server. */
export const CRASH_WINDOW_MS = 10_000;
/** How long the primary waits for its workers after SIGTERM: their grace period plus time to exit. */
export const STOP_BUDGET_MS = SHUTDOWN_GRACE_MS + 2_000;

/**
 * The number of workers: WORKERS, or with "auto" the CPUs this process may use
 * (`cpus`, from the runtime). MAX_CONNECTIONS is split between them
 * ({@link connectionShare}), so it must give each at least one.
 */
export function resolveWorkers(options: Pick<EchoOptions, "workers" | "maxConnections">, cpus: number): number {
  const workers = options.workers === "auto" ? Math.min(Math.max(1, cpus), MAX_WORKERS) : options.workers;
  if (options.maxConnections < workers) {
    throw new OptionError(
      `MAX_CONNECTIONS (${options.maxConnections}) must be at least WORKERS (${workers}): each worker gets a share`,
    );
  }
  return workers;
}

/** This process's worker index, or undefined in the primary (or with WORKERS=1). */
export function workerIndex(env: Record<string, string | undefined>): number | undefined {
  const raw = env[WORKER_ENV];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * Worker `index`'s part of MAX_CONNECTIONS: a static split, the first
 * `total % workers` workers one more, so the parts add up to `total` exactly.
 * A worker can refuse with 503 while another still has room.
 */
export function connectionShare(total: number, workers: number, index: number): number {
  return Math.floor(total / workers) + (index < total % workers ? 1 : 0);
}

/** What /healthz tells about the answering process. */
export interface ProcessHealth extends Record<string, number> {
  /** The process that answered. */
  pid: number;
  /** The configured number of workers (1: this process serves alone). */
  workers: number;
  /** This process's part of MAX_CONNECTIONS. */
  maxConnections: number;
}

/** A started worker, as the runtime's wiring sees it. */
export interface WorkerProcess {
  readonly pid: number;
  signal(signal: "SIGTERM" | "SIGKILL"): void;
}

/** What the supervisor needs from a runtime. */
export interface SupervisorHost {
  /** Starts worker `index`, to listen on `port`; the wiring then reports `ready` and `exited`. */
  spawn(index: number, port: number): WorkerProcess;
  /** Prints the one ready line (src/listen.ts `readyLine`). */
  listening(port: number): void;
  /** Ends the primary. */
  exit(code: number): void;
  /**
   * Whether workers started on port 0 all get the same port (node:cluster's
   * shared handle). Otherwise (SO_REUSEPORT) the first worker picks it and the
   * others are started on the port it reports.
   */
  sharesPortZero?: boolean;
}

export interface SupervisorOptions {
  workers: number;
  port: number;
  log: Logger;
  /** Where the crash-loop message goes (default: stderr). */
  fail?: (message: string) => void;
}

/** The shared supervision policy; one per primary. */
export class Supervisor {
  readonly #host: SupervisorHost;
  readonly #workers: number;
  readonly #log: Logger;
  readonly #fail: (message: string) => void;
  #port: number;
  readonly #live = new Map<number, WorkerProcess>();
  readonly #ready = new Set<number>();
  #deaths: number[] = [];
  #announced = false;
  #stopping = false;
  #finished = false;
  #exitCode = 0;
  #stopTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: SupervisorHost, { workers, port, log, fail = (m) => console.error(m) }: SupervisorOptions) {
    this.#host = host;
    this.#workers = workers;
    this.#port = port;
    this.#log = log;
    this.#fail = fail;
  }

  /** The live workers' process ids, by index. */
  get pids(): number[] {
    return [...this.#live.values()].map((w) => w.pid);
  }

  start(): void {
    // On port 0 without a shared handle, the first worker picks the port the others then join.
    const first = this.#port === 0 && !this.#host.sharesPortZero ? 1 : this.#workers;
    for (let i = 0; i < first; i++) this.#spawn(i);
  }

  /** Worker `index` accepts connections on `port`. */
  ready(index: number, port: number): void {
    if (this.#stopping) return;
    const wasPortZero = this.#port === 0;
    this.#port = port;
    this.#ready.add(index);
    // A replacement is worth an info line; the start-up's workers are summed up by the ready line.
    const fields = { worker: index, pid: this.#live.get(index)?.pid, port };
    if (this.#announced) this.#log.info("worker replaced", fields);
    else this.#log.debug("worker ready", fields);
    if (wasPortZero && !this.#host.sharesPortZero) {
      for (let i = 0; i < this.#workers; i++) if (!this.#live.has(i)) this.#spawn(i);
    }
    if (!this.#announced && this.#ready.size === this.#workers) {
      this.#announced = true;
      this.#host.listening(port);
    }
  }

  /** Worker `index` is gone (any cause). */
  exited(index: number, how: { code: number | null; signal: string | null }): void {
    const worker = this.#live.get(index);
    this.#live.delete(index);
    this.#ready.delete(index);
    if (this.#stopping) {
      if (this.#live.size === 0) this.#finish();
      return;
    }
    const now = Date.now();
    this.#deaths = this.#deaths.filter((t) => now - t < CRASH_WINDOW_MS);
    this.#deaths.push(now);
    this.#log.warn("worker died", { worker: index, pid: worker?.pid, code: how.code, signal: how.signal });
    if (this.#deaths.length > 2 * this.#workers) {
      this.#fail(
        `ws-echo: ${this.#deaths.length} worker deaths within ${CRASH_WINDOW_MS / 1000} s ` +
          `(more than 2 × WORKERS = ${2 * this.#workers}); stopping the server`,
      );
      this.#exitCode = 1;
      this.stop();
      return;
    }
    this.#spawn(index);
  }

  /** SIGTERM/SIGINT to the primary, or a crash loop: stop every worker, then exit. */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.info("stopping workers", { workers: this.#live.size, budgetMs: STOP_BUDGET_MS });
    if (this.#live.size === 0) return this.#finish();
    for (const worker of this.#live.values()) worker.signal("SIGTERM");
    this.#stopTimer = setTimeout(() => {
      this.#log.warn("workers still running after the shutdown budget: killed", { pids: this.pids.join(",") });
      for (const worker of this.#live.values()) worker.signal("SIGKILL");
      // SIGKILL cannot be refused; the exit reports follow. Do not wait on them forever.
      this.#stopTimer = setTimeout(() => this.#finish(), 1_000);
    }, STOP_BUDGET_MS);
  }

  #spawn(index: number): void {
    try {
      const worker = this.#host.spawn(index, this.#port);
      this.#live.set(index, worker);
      this.#log.debug("worker started", { worker: index, pid: worker.pid });
    } catch (error) {
      this.#fail(`ws-echo: could not start worker ${index}: ${(error as Error).message}`);
      this.#exitCode = 1;
      this.stop();
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#stopTimer);
    this.#stopTimer = undefined;
    this.#log.info("all workers stopped", { code: this.#exitCode });
    this.#host.exit(this.#exitCode);
  }
}

/** Where a process stands: serving alone (WORKERS=1), primary, or worker `index`. */
export interface ClusterRole {
  /** This process supervises the workers and serves nothing. */
  primary: boolean;
  /** The configured number of workers, "auto" resolved. */
  workers: number;
  /** This worker's index; undefined in the primary and in a process serving alone. */
  index: number | undefined;
  /** The options this process serves with: MAX_CONNECTIONS is its share. */
  options: EchoOptions;
  /** The fields /healthz adds for this process. */
  health: ProcessHealth;
}

/**
 * The role of this process, from the options, the worker marker in `env`, the
 * CPUs the runtime says this process may use, and its pid. WORKERS=1: serves
 * alone, exactly as without this file.
 */
export function clusterRole(
  options: EchoOptions,
  env: Record<string, string | undefined>,
  cpus: number,
  pid: number,
): ClusterRole {
  const workers = resolveWorkers(options, cpus);
  const index = workers > 1 ? workerIndex(env) : undefined;
  const serving = index === undefined ? options : {
    ...options,
    maxConnections: connectionShare(options.maxConnections, workers, index),
  };
  return {
    primary: workers > 1 && index === undefined,
    workers,
    index,
    options: serving,
    health: { pid, workers, maxConnections: serving.maxConnections },
  };
}

/** How a worker without an IPC channel (Deno) tells the primary it listens: one stderr line. */
export const READY_MARKER = "ws-echo worker ready on port ";

/**
 * With WORKERS > 1 every log line says which process wrote it (`pid`, and
 * `worker`, its index; the primary's lines have no `worker`). With WORKERS=1,
 * `log` unchanged.
 */
export function processLogger(log: Logger, role: ClusterRole): Logger {
  if (role.workers === 1) return log;
  const tag: LogFields = role.index === undefined ? { pid: role.health.pid } : {
    pid: role.health.pid,
    worker: role.index,
  };
  return {
    debug: (message, fields) => log.debug(message, { ...tag, ...fields }),
    info: (message, fields) => log.info(message, { ...tag, ...fields }),
    warn: (message, fields) => log.warn(message, { ...tag, ...fields }),
    error: (message, fields) => log.error(message, { ...tag, ...fields }),
  };
}
