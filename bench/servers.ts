/**
 * The servers under test: ours started as a deployment runs it (the runtime on
 * our entry, directly, as docs/deploy.md says; every production feature at its
 * default), and each runtime's native control from bench/native/. Each runs in a process group of its own; CPU time and
 * memory are read from /proc for the process that actually serves (the runtime
 * or workerd, never npm, sh or a launcher).
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";
// @ts-expect-error -- a plain .mjs launcher module without type declarations
import { OPTION_VARS } from "../scripts/worker-vars.mjs";
import { sleep } from "../test/harness/deadline.ts";
import { groupAlive, rssBytes, signalGroup as signal } from "../test/harness/proc.ts";
import { freePort, QUIET_ENV } from "../test/harness/server-process.ts";

export type Runtime = "node" | "deno" | "bun" | "workers";
export type Target = "ours" | "native";

const DENO = "node_modules/deno/deno";
const BUN = "node_modules/.bin/bun";

/**
 * How each server is started, and how to recognise its serving process among the group's.
 * Ours: the command a process manager runs (docs/deploy.md), not its npm script: npm, and on
 * Deno `deno task`, start a process or two before ours, which the storm's restart would time
 * (about 1–2 s against the runtime's own start) though no deployment pays it. The Deno flags
 * are deno.json's `start` task's.
 */
const COMMANDS: Record<Runtime, Record<Target, string[]>> = {
  node: { ours: [process.execPath, "dist/node.js"], native: [process.execPath, "bench/native/node.mjs"] },
  deno: {
    ours: [DENO, "run", "--allow-net", "--allow-read", "--allow-env", `--allow-run=${DENO}`, "src/deno/server.ts"],
    native: [DENO, "run", "--allow-net", "--allow-env", "bench/native/deno.mjs"],
  },
  bun: { ours: [BUN, "src/bun/server.ts"], native: [BUN, "bench/native/bun.mjs"] },
  workers: {
    ours: [process.execPath, "scripts/miniflare.mjs"],
    native: [process.execPath, "bench/native/miniflare.mjs"],
  },
};

/**
 * HONO_FLOOR: the side it names (`native` or `ours`) is the floor of the house rules instead, a Hono app whose one
 * route upgrades with the runtime's helper and echoes, nothing else (bench/native/hono-*): what any Hono app pays for a
 * handshake on that runtime. `HONO_FLOOR=native` measures ours against the floor (what our own work costs),
 * `HONO_FLOOR=ours` the floor against the native (what the house rules cost before any line of ours). Connection modes
 * only (bench/run.ts checks): the floor has no options, compression or graceful shutdown. Not on Workers, whose native
 * can sit behind the same router (NATIVE_ASSETS=1).
 */
const FLOOR: Partial<Record<Runtime, string[]>> = {
  node: [process.execPath, "dist/bench/native/hono-node.js"],
  deno: [DENO, "run", "--allow-net", "--allow-env", "--allow-read", "bench/native/hono-deno.mjs"],
  bun: [BUN, "bench/native/hono-bun.mjs"],
};

/** The command for `target`'s side; `asOurs`: BENCH_NATIVE_OURS_ENV runs our server on the native side. */
function commandOf(runtime: Runtime, target: Target, asOurs: boolean): string[] {
  if (process.env.HONO_FLOOR === target) { // its value and modes are checked once, at the start of bench/run.ts
    const floor = FLOOR[runtime];
    if (floor === undefined) throw new Error(`HONO_FLOOR: no floor server for ${runtime}`);
    return floor;
  }
  return COMMANDS[runtime][asOurs ? "ours" : target];
}

/** `comm` and command line of the serving process (Miniflare's launcher is node; workerd serves). */
const SERVING: Record<Runtime, { comm: RegExp; cmdline: RegExp }> = {
  node: { comm: /^node$/, cmdline: /dist\/node\.js|native\/node\.mjs|native\/hono-node\.js/ },
  deno: { comm: /^deno$/, cmdline: /\brun\b/ },
  bun: { comm: /^bun/, cmdline: /server\.ts|native\/bun\.mjs|native\/hono-bun\.mjs/ },
  workers: { comm: /^workerd$/, cmdline: /./ },
};

export interface Server {
  runtime: Runtime;
  target: Target;
  port: number;
  /** The process group (the spawned runtime or launcher). */
  pgid: number;
  /** The serving process. */
  pid: number;
  command: string;
  stop(): Promise<void>;
  /** The last output lines, for error messages. */
  tail(): string;
}

const running = new Set<Server>();

/**
 * Our server's environment: every option at its default (an option variable
 * set in the bench's own environment is dropped), unless `oursEnv` sets it on
 * purpose, e.g. to measure what one feature costs.
 */
function serverEnv(target: Target, oursEnv: Record<string, string>, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...QUIET_ENV, PORT: String(port), HOST: "127.0.0.1" };
  for (const name of OPTION_VARS as string[]) delete env[name];
  return target === "ours" ? { ...env, ...oursEnv } : env;
}

export async function startServer(
  runtime: Runtime,
  target: Target,
  oursEnv: Record<string, string> = {},
  timeoutMs = 60_000,
  /** BENCH_NATIVE_OURS_ENV: the "native" side is our server with these options (see run.ts). */
  nativeOursEnv?: Record<string, string>,
  /** The storm mode (bench/storm.ts): a given port (a restart in place), and variables for either server. */
  { port: fixedPort, env: extraEnv = {} }: { port?: number; env?: Record<string, string> } = {},
): Promise<Server> {
  const port = fixedPort ?? await freePort();
  const baseline = target === "native" && nativeOursEnv !== undefined;
  const [command, ...args] = commandOf(runtime, target, baseline);
  const child = spawn(command!, args, {
    env: { ...(baseline ? serverEnv("ours", nativeOursEnv, port) : serverEnv(target, oursEnv, port)), ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const pgid = child.pid!;
  // Keep only the tail: our server logs every connection (LOG_LEVEL=info, its default).
  let output = "";
  let ready = false;
  // Info lines (one per connection) are dropped from it, so a crash report is not pushed out by them.
  const onOutput = (chunk: Buffer) => {
    const text = ready ? String(chunk).split("\n").filter((l) => !l.includes('"level":"info"')).join("\n") : chunk;
    output = (output + text).slice(-65_536);
  };
  child.stdout.on("data", onOutput);
  child.stderr.on("data", onOutput);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stopped = false;
  const server: Server = {
    runtime,
    target,
    port,
    pgid,
    pid: 0,
    command: [command, ...args].join(" "),
    tail: () => output.slice(-2000),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      running.delete(server);
      await stopGroup(pgid, exited);
      child.stdout.destroy();
      child.stderr.destroy();
    },
  };
  running.add(server);
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  while (!/listening on http:\/\/\S+/.test(output)) {
    if (exitedEarly || Date.now() > deadline) {
      await server.stop();
      throw new Error(`${runtime}/${target} did not print its ready line (${server.command}):\n${output.slice(-2000)}`);
    }
    await sleep(50);
  }
  ready = true;
  server.pid = servingPid(pgid, runtime);
  return server;
}

/** Stops every server still running (on exit or interrupt). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

async function stopGroup(pgid: number, exited: Promise<void>): Promise<void> {
  signal(pgid, "SIGTERM");
  await Promise.race([exited, sleep(5_000)]);
  for (let i = 0; i < 100 && groupAlive(pgid); i++) {
    if (i === 40) signal(pgid, "SIGKILL");
    await sleep(50);
  }
  if (groupAlive(pgid)) signal(pgid, "SIGKILL");
}

interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
    return { pid, ppid: Number(fields[1]), comm, cmdline };
  } catch {
    return undefined;
  }
}

/** The serving process: a descendant of `root` (or root itself) whose comm and command line match the runtime. */
function servingPid(root: number, runtime: Runtime): number {
  const all = readdirSync("/proc").filter((e) => /^\d+$/.test(e)).map((e) => readProc(Number(e))).filter((p) =>
    p !== undefined
  );
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) if (!tree.has(p.pid) && tree.has(p.ppid)) tree.add(p.pid), grew = true;
  }
  const { comm, cmdline } = SERVING[runtime];
  const matching = all.filter((p) => tree.has(p.pid) && comm.test(p.comm) && cmdline.test(p.cmdline));
  // WORKERS > 1: the primary and its workers all match; the primary is the one whose parent does not.
  const found = matching.filter((p) => !matching.some((q) => q.pid === p.ppid));
  if (found.length !== 1) {
    const seen = all.filter((p) => tree.has(p.pid)).map((p) => `${p.pid} ${p.comm}: ${p.cmdline}`).join("\n");
    throw new Error(`expected one ${runtime} serving process under ${root}, found ${found.length}:\n${seen}`);
  }
  return found[0]!.pid;
}

/**
 * CPU seconds (user + system) the process's threads have used, to the
 * nanosecond: the sum of each thread's `/proc/<pid>/task/<tid>/schedstat`
 * (time on a CPU). `/proc/<pid>/stat` counts in 10 ms ticks, 2 % of a
 * half-second slice. A thread that exits between two readings takes its time
 * with it; the runtimes here keep their threads for the process's life.
 */
export function cpuSeconds(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // exited since the listing
    }
  }
  return ns / 1e9;
}

/** `pid` and every process below it (WORKERS > 1: the primary and its workers). */
export function treePids(pid: number): number[] {
  const all = readdirSync("/proc").filter((e) => /^\d+$/.test(e)).map((e) => readProc(Number(e))).filter((p) =>
    p !== undefined
  );
  const tree = [pid];
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) if (!tree.includes(p.pid) && tree.includes(p.ppid)) tree.push(p.pid), grew = true;
  }
  return tree;
}

/**
 * {@link cpuSeconds} summed over `pids` (see `treePids`): the whole server's CPU
 * when it is several processes. A process gone since the listing adds nothing.
 */
export function treeCpuSeconds(pids: readonly number[]): number {
  let seconds = 0;
  for (const pid of pids) {
    try {
      seconds += cpuSeconds(pid);
    } catch {
      // exited since the listing
    }
  }
  return seconds;
}

export { rssBytes, sleep };
