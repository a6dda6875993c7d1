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

/** One runtime's server for a run of cases; `restart` replaces a dead or wedged one. */
export class ConformanceServer {
  #server: ServerProcess | undefined;
  #probe = 0;

  constructor(readonly rt: RuntimeUnderTest) {}

  async start(): Promise<void> {
    this.#server = await startServer(this.rt.script, {
      readyTimeoutMs: this.rt.readyTimeoutMs,
      // The log line per connection is noise for hundreds of short connections.
      env: { LOG_LEVEL: "warn" },
    });
  }

  async stop(): Promise<void> {
    await this.#server?.stop();
    this.#server = undefined;
  }

  get port(): number {
    if (!this.#server) throw new Error(`${this.rt.label}: server not started`);
    return this.#server.port;
  }

  /** Runs one case, then the liveness check; a dead server is restarted. */
  async run(testCase: ConformanceCase, deadlines = DEADLINES): Promise<CaseResult> {
    const ctx: CaseContext = {
      port: this.port,
      deadlines,
      open: async () => {
        const { head, socket } = await RawWebSocket.open(this.port, { ms: deadlines.reactMs });
        if (head.status !== 101) {
          socket.destroy();
          throw new Error(`handshake answered ${head.status}`);
        }
        return socket;
      },
    };
    let outcome: Outcome;
    try {
      outcome = await testCase.run(ctx);
    } catch (error) {
      outcome = errorOutcome(error);
    }
    const alive = await this.#alive();
    if (alive === undefined) return { id: testCase.id, ...outcome };
    const output = this.#server?.output().slice(-2_000) ?? "";
    await this.stop().catch(() => {});
    await this.start();
    return { id: testCase.id, ...fail(`server stopped serving: ${alive} (case saw: ${outcome.observed})\n${output}`) };
  }

  /** undefined when a fresh connection echoes, else why not. */
  async #alive(): Promise<string | undefined> {
    const message = `alive ${++this.#probe}`;
    let socket: RawWebSocket | undefined;
    try {
      const opened = await RawWebSocket.open(this.port, { ms: 5_000 });
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
