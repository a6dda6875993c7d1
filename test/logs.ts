/**
 * The open and close log lines (issue 27): written in batches
 * (src/log-buffer.ts), never lost: every connection's two lines reach the
 * output, also when SIGTERM ends the server while they wait for their batch.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EchoClient } from "./harness/client.ts";
import { until, within } from "./harness/deadline.ts";
import { type ServerProcess, startServer } from "./harness/server-process.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

const CLIENTS = 40;

/** The JSON log lines with message `msg` in a server's output. */
function logLines(output: string, msg: string): Record<string, unknown>[] {
  return output.split("\n").filter((l) => l.startsWith("{") && l.includes(`"msg":"${msg}"`)).map((l) => JSON.parse(l));
}

/** Opens `CLIENTS` connections, each echoing once (on Workers, the first message is what logs the open). */
async function openEchoing(port: number): Promise<EchoClient[]> {
  return await Promise.all(Array.from({ length: CLIENTS }, async (_, i) => {
    const client = await EchoClient.open(`ws://127.0.0.1:${port}/ws`);
    client.send(`hello ${i}`);
    expect((await client.next(10_000, `client ${i}'s echo`)).data.toString()).toBe(`hello ${i}`);
    return client;
  }));
}

export function describeLogs(rt: RuntimeUnderTest): void {
  describe("open and close log lines", () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServer(rt.script, { env: { LOG_LEVEL: "info" }, readyTimeoutMs: rt.readyTimeoutMs });
    }, 120_000);
    afterAll(() => server?.stop(), 30_000);

    test(`${CLIENTS} connections opened and closed at once: every open and close line is written, once`, async () => {
      const clients = await openEchoing(server.port);
      await Promise.all(clients.map((c) => c.close(4000, "bye")));
      await until(
        15_000,
        `${CLIENTS} "ws close" lines with code 4000`,
        () => logLines(server.output(), "ws close").filter((l) => l.code === 4000).length >= CLIENTS,
      );
      const closed = logLines(server.output(), "ws close").filter((l) => l.code === 4000);
      const ids = new Set(closed.map((l) => l.id));
      expect(ids.size).toBe(CLIENTS);
      const opened = logLines(server.output(), "ws open").filter((l) => ids.has(l.id));
      expect(opened.length).toBe(CLIENTS);
    }, 60_000);
  });

  if (!rt.capabilities.gracefulShutdown) return;
  test("SIGTERM: the lines still waiting for their batch are written before the process exits", async () => {
    const server = await startServer(rt.script, { env: { LOG_LEVEL: "info" }, readyTimeoutMs: rt.readyTimeoutMs });
    try {
      const clients = await openEchoing(server.port);
      server.signal("SIGTERM");
      const closes = await within(15_000, "every client to be closed", Promise.all(clients.map((c) => c.closed)));
      expect(closes.every((c) => c.code === 1001)).toBe(true);
      expect((await within(15_000, "the server to exit", server.exited)).code).toBe(0);
      const output = server.output();
      expect(logLines(output, "ws open").length).toBe(CLIENTS);
      // The code a close line reports after the server's own 1001 is the runtime's to say (Deno's differs).
      expect(logLines(output, "ws close").length).toBe(CLIENTS);
      expect(logLines(output, "stopped").length).toBe(1);
    } finally {
      await server.stop();
    }
  }, 90_000);
}
