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
import type { Logger } from "../log.ts";
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
  const supervisor: Supervisor = new Supervisor({
    spawn(index, port) {
      const child = new Deno.Command(Deno.execPath(), {
        args: [...WORKER_FLAGS, Deno.mainModule],
        env: { [WORKER_ENV]: String(index), PORT: String(port) },
        stdin: "piped",
        stdout: "inherit",
        stderr: "piped",
      }).spawn();
      void forwardStderr(child.stderr, (port) => supervisor.ready(index, port));
      void child.status.then(({ code, signal }) => supervisor.exited(index, { code: signal ? null : code, signal }));
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

/** Passes a worker's stderr on line by line, taking out its ready line. */
async function forwardStderr(stream: ReadableStream<Uint8Array>, ready: (port: number) => void): Promise<void> {
  const encoder = new TextEncoder();
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith(READY_MARKER)) ready(Number(line.slice(READY_MARKER.length)));
      else await Deno.stderr.write(encoder.encode(`${line}\n`));
    }
  }
  if (pending) await Deno.stderr.write(encoder.encode(pending));
}

/** stdin is a pipe from the primary: its end means the primary is gone (even by SIGKILL). Stop as on SIGTERM. */
async function stopWhenOrphaned(): Promise<void> {
  for await (const _ of Deno.stdin.readable) {
    // the primary writes nothing; only the end matters
  }
  Deno.kill(Deno.pid, "SIGTERM");
}
