import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import process from "node:process";
import { sleep, until, within } from "./deadline.ts";
import { httpsGet } from "./https.ts";
import { groupAlive, serverProcess, signalGroup } from "./proc.ts";

/** A runtime started through its npm script, as a user would start it. */
export interface ServerProcess {
  /** `http://127.0.0.1:PORT` (`https:` when started with a `ca`) */
  readonly origin: string;
  readonly port: number;
  readonly pid: number;
  /** Everything the process printed so far, for failure messages. */
  output(): string;
  /** Resolves when the npm process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Sends `signal` to the process group, then SIGKILL after `graceMs`, and
   * waits until no process of the group is left.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /**
   * Sends `signal` to the serving process alone (the runtime, or workerd), as a
   * process manager would; npm does not pass SIGTERM on to its script.
   */
  signal(signal: NodeJS.Signals): void;
}

/** The line every runtime prints once it is ready (src/listen.ts, scripts/*.mjs). */
const READY = /ws-echo \((\w+)\) listening on (https?:\/\/\S+)/;

/** A port nothing listens on right now; the OS picks it, so parallel runs do not collide. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(
        () => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))),
      );
    });
  });
}

/** The environment every runtime gets in tests: nothing phones home. */
export const QUIET_ENV = {
  DENO_NO_UPDATE_CHECK: "1",
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
} as const;

export async function startServer(
  script: string,
  { env = {}, readyTimeoutMs = 60_000, ca }: {
    env?: Record<string, string>;
    readyTimeoutMs?: number;
    /** The server speaks https (TLS_CERT_FILE): its readiness is checked trusting this CA alone. */
    ca?: string;
  } = {},
): Promise<ServerProcess> {
  // env.PORT picks the port (a restart on the same port); else the OS picks a free one.
  const port = env.PORT ? Number(env.PORT) : await freePort();
  // Its own process group (detached), so stop() reaches npm, the runtime and
  // anything the runtime spawned (wrangler's workerd), and nothing else.
  const child = spawn("npm", ["run", "-s", script], {
    env: { ...process.env, ...QUIET_ENV, ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  let hasExited = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      hasExited = true;
      resolve({ code, signal });
    })
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn npm run ${script}`);

  const server: ServerProcess = {
    origin: `${ca ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    pid,
    output: () => output,
    exited,
    stop: (signal = "SIGTERM", graceMs = 10_000) => stopGroup(child, pid, exited, signal, graceMs),
    signal: (signal) => process.kill(serverProcess(pid).pid, signal),
  };

  try {
    await within(
      readyTimeoutMs,
      `"npm run ${script}" to print its ready line`,
      Promise.race([
        until(readyTimeoutMs, "the ready line", () => READY.test(output) || hasExited, 50),
        exited.then(({ code, signal }) => {
          throw new Error(`"npm run ${script}" exited (code ${code}, signal ${signal}) before it was ready`);
        }),
      ]),
    );
    await until(15_000, `GET /healthz on ${script} to answer 200`, () => healthy(server.origin, ca));
  } catch (error) {
    await server.stop("SIGKILL");
    throw new Error(`${(error as Error).message}\n--- output of npm run ${script} ---\n${output}`);
  }
  return server;
}

async function stopGroup(
  child: ChildProcess,
  pid: number,
  exited: Promise<unknown>,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  signalGroup(pid, signal);
  const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) signalGroup(pid, "SIGKILL");
  // The group leader may exit before its children (npm does): wait for all of them.
  await until(10_000, `process group ${pid} to be empty`, () => !groupAlive(pid), 50);
  child.stdout?.destroy();
  child.stderr?.destroy();
}

async function healthy(origin: string, ca?: string): Promise<boolean> {
  try {
    if (ca) return (await httpsGet(`${origin}/healthz`, ca, 2_000)).status === 200;
    const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}
