/**
 * Runs cases against one runtime's server process. After every case a fresh
 * connection must still complete a handshake and echo: a case that kills or
 * wedges the server is a fail, whatever the case itself saw, and the server is
 * restarted so the cases after it get a fair run.
 */
import { encodeFrame, Opcode } from "../harness/frames.ts";
import { RawWebSocket } from "../harness/raw.ts";
import { type ServerProcess, startServer } from "../harness/server-process.ts";
import type { RuntimeUnderTest } from "../runtimes.ts";
import { type CaseContext, CASES, type ConformanceCase, errorOutcome } from "./cases.ts";
import { type Deadlines, expectEcho, fail, type Outcome } from "./judge.ts";

export const DEADLINES: Deadlines = { reactMs: 2_500, bulkMs: 20_000 };

export interface CaseResult extends Outcome {
  id: string;
}

/**
 * The servers a run of cases needs: the default one, and for the compression
 * category one started with COMPRESSION=on (started at its first case).
 */
type ServerKind = "default" | "compression";
const SERVER_ENV: Record<ServerKind, Record<string, string>> = {
  // The log line per connection is noise for hundreds of short connections.
  default: { LOG_LEVEL: "warn" },
  compression: { LOG_LEVEL: "warn", COMPRESSION: "on" },
};

/** One runtime's servers for a run of cases; `restart` replaces a dead or wedged one. */
export class ConformanceServer {
  #servers = new Map<ServerKind, ServerProcess>();
  #probe = 0;

  constructor(readonly rt: RuntimeUnderTest) {}

  async start(kind: ServerKind = "default"): Promise<void> {
    this.#servers.set(
      kind,
      await startServer(this.rt.script, { readyTimeoutMs: this.rt.readyTimeoutMs, env: SERVER_ENV[kind] }),
    );
  }

  async stop(kind?: ServerKind): Promise<void> {
    const kinds = kind ? [kind] : [...this.#servers.keys()];
    await Promise.all(kinds.map((k) => this.#servers.get(k)?.stop()));
    for (const k of kinds) this.#servers.delete(k);
  }

  port(kind: ServerKind = "default"): number {
    const server = this.#servers.get(kind);
    if (!server) throw new Error(`${this.rt.label}: ${kind} server not started`);
    return server.port;
  }

  /** Runs one case, then the liveness check; a dead server is restarted. */
  async run(testCase: ConformanceCase, deadlines = DEADLINES): Promise<CaseResult> {
    const kind = testCase.server ?? "default";
    if (!this.#servers.has(kind)) await this.start(kind);
    const port = this.port(kind);
    const ctx: CaseContext = {
      port,
      deadlines,
      open: async () => {
        const { head, socket } = await RawWebSocket.open(port, { ms: deadlines.reactMs });
        if (head.status !== 101) {
          socket.destroy();
          throw new Error(`handshake answered ${head.status}`);
        }
        return socket;
      },
      handshake: (headers) => RawWebSocket.open(port, { headers, ms: deadlines.reactMs }),
    };
    let outcome: Outcome;
    try {
      outcome = await testCase.run(ctx);
    } catch (error) {
      outcome = errorOutcome(error);
    }
    const alive = await this.#alive(port);
    if (alive === undefined) return { id: testCase.id, ...outcome };
    const output = this.#servers.get(kind)?.output().slice(-2_000) ?? "";
    await this.stop(kind).catch(() => {});
    await this.start(kind);
    return { id: testCase.id, ...fail(`server stopped serving: ${alive} (case saw: ${outcome.observed})\n${output}`) };
  }

  /** undefined when a fresh connection echoes, else why not. */
  async #alive(port: number): Promise<string | undefined> {
    const message = `alive ${++this.#probe}`;
    let socket: RawWebSocket | undefined;
    try {
      const opened = await RawWebSocket.open(port, { ms: 5_000 });
      socket = opened.socket;
      if (opened.head.status !== 101) return `a fresh handshake got ${opened.head.status}`;
      socket.send(encodeFrame(Opcode.text, Buffer.from(message)));
      const outcome = await expectEcho(socket, [{ opcode: Opcode.text, payload: Buffer.from(message) }], 5_000);
      return outcome.verdict === "pass" ? undefined : `a fresh connection: ${outcome.observed}`;
    } catch (error) {
      return `a fresh connection: ${(error as Error).message}`;
    } finally {
      socket?.destroy();
    }
  }
}

/** Every case against one runtime, in order; `onResult` sees each as it completes. */
export async function runAll(
  rt: RuntimeUnderTest,
  onResult: (result: CaseResult) => void = () => {},
  cases: readonly ConformanceCase[] = CASES,
): Promise<CaseResult[]> {
  const server = new ConformanceServer(rt);
  await server.start();
  const results: CaseResult[] = [];
  try {
    for (const testCase of cases) {
      const result = await server.run(testCase);
      results.push(result);
      onResult(result);
    }
  } finally {
    await server.stop();
  }
  return results;
}
