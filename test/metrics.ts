/**
 * `GET /metrics` (issue 25) on a server of its own: the counters after a known
 * conversation, a refused handshake, the output through a strict parser of
 * the exposition format, the bearer-token rules, and METRICS=off.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mergeSnapshots, prometheusText } from "../src/metrics.ts";
import { EchoClient } from "./harness/client.ts";
import { until } from "./harness/deadline.ts";
import { type MetricFamily, parseExposition, valueOf } from "./harness/prometheus-text.ts";
import { RawWebSocket } from "./harness/raw.ts";
import { type ServerProcess, startServer } from "./harness/server-process.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

const TOKEN = "metrics-test-token_0123456789";
const METRICS_ENV = { ALLOWED_ORIGINS: "http://allowed.example", METRICS_TOKEN: TOKEN };
/** Text with 1-, 2-, 3- and 4-byte characters: 6 + 6 + 5 UTF-8 bytes. */
const TEXTS = ["héllo", "€uro", "😀!"];
const TEXT_BYTES = 17;
const BINARIES = [new Uint8Array([1, 2, 3]), new Uint8Array(1000).fill(7)];

export function describeMetrics(rt: RuntimeUnderTest): void {
  const caps = rt.capabilities;
  describe(`metrics (${caps.processMetrics ? "with" : "without"} process_* metrics)`, () => {
    let server: ServerProcess;
    const scrape = async (): Promise<MetricFamily[]> => {
      const response = await fetch(`${server.origin}/metrics`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
        signal: AbortSignal.timeout(10_000),
      });
      const body = await response.text();
      expect(response.status, body).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4(;|$)/);
      return parseExposition(body);
    };

    beforeAll(async () => {
      server = await startServer(rt.script, { env: METRICS_ENV, readyTimeoutMs: rt.readyTimeoutMs });
    }, 120_000);
    afterAll(() => server?.stop(), 30_000);

    test("after 3 text and 2 binary echoes and a client close with 4000, the counters say exactly that", async () => {
      const client = await EchoClient.open(`ws://127.0.0.1:${server.port}/ws`);
      for (const text of TEXTS) client.send(text);
      for (const bytes of BINARIES) client.send(bytes);
      for (let i = 0; i < TEXTS.length + BINARIES.length; i++) await client.next(10_000, `echo #${i + 1} of 5`);
      // While it is open, its counts come from the open connection itself.
      const open = await scrape();
      expect(valueOf(open, "ws_echo_connections")).toBe(1);
      expect(valueOf(open, "ws_echo_messages_total", { type: "text" })).toBe(3);
      expect(valueOf(open, "ws_echo_messages_total", { type: "binary" })).toBe(2);
      expect(await client.close(4000, "done")).toEqual({ code: 4000, reason: "done" });

      let families: MetricFamily[] = [];
      await until(10_000, "the server to count the connection closed", async () => {
        families = await scrape();
        return valueOf(families, "ws_echo_connections") === 0;
      });
      const counters = {
        opened: valueOf(families, "ws_echo_connections_opened_total"),
        closed4000: valueOf(families, "ws_echo_connections_closed_total", { code: "4000" }),
        closedSeries: families.find((f) => f.name === "ws_echo_connections_closed_total")?.samples.length,
        text: valueOf(families, "ws_echo_messages_total", { type: "text" }),
        binary: valueOf(families, "ws_echo_messages_total", { type: "binary" }),
        textBytes: valueOf(families, "ws_echo_message_bytes_total", { type: "text" }),
        binaryBytes: valueOf(families, "ws_echo_message_bytes_total", { type: "binary" }),
        errors: valueOf(families, "ws_echo_errors_total"),
        handshakes: valueOf(families, "ws_echo_handshake_duration_seconds_count"),
      };
      expect(counters).toEqual({
        opened: 1,
        closed4000: 1,
        closedSeries: 1,
        text: 3,
        binary: 2,
        textBytes: TEXT_BYTES,
        binaryBytes: 1003,
        errors: 0,
        handshakes: 1,
      });
    });

    test('a foreign origin raises ws_echo_handshakes_refused_total{status="403"} by one', async () => {
      const before = valueOf(await scrape(), "ws_echo_handshakes_refused_total", { status: "403" }) ?? 0;
      const foreign = await RawWebSocket.open(server.port, { headers: { Origin: "http://evil.example" } });
      expect(foreign.head.status).toBe(403);
      foreign.socket.destroy();
      expect(valueOf(await scrape(), "ws_echo_handshakes_refused_total", { status: "403" })).toBe(before + 1);
    });

    test(
      `the output parses as exposition format 0.0.4, with the shared names, types and HELP${
        caps.processMetrics ? " and process_* metrics" : " (no process_* metrics: Workers have no process)"
      }`,
      async () => {
        const families = await scrape();
        // The families every runtime must expose, as src/metrics.ts defines them.
        const shared = parseExposition(prometheusText(mergeSnapshots([])))
          .map(({ name, type, help }) => ({ name, type, help }));
        const served = families.map(({ name, type, help }) => ({ name, type, help }));
        expect(served.filter((f) => f.name.startsWith("ws_echo_"))).toEqual(shared);
        const processNames = served.filter((f) => f.name.startsWith("process_")).map((f) => f.name);
        expect(processNames).toEqual(
          caps.processMetrics
            ? [
              "process_cpu_user_seconds_total",
              "process_cpu_system_seconds_total",
              "process_cpu_seconds_total",
              "process_resident_memory_bytes",
              "process_start_time_seconds",
            ]
            : [],
        );
        if (caps.processMetrics) {
          expect(valueOf(families, "process_resident_memory_bytes")).toBeGreaterThan(1024 * 1024);
          expect(valueOf(families, "process_cpu_seconds_total")).toBeGreaterThan(0);
        }
      },
    );

    test("the token rules: 401 without a token or with a wrong one, 200 with it", async () => {
      const answer = async (headers: Record<string, string>) => {
        const response = await fetch(`${server.origin}/metrics`, { headers, signal: AbortSignal.timeout(10_000) });
        const body = await response.text();
        return { status: response.status, challenge: response.headers.get("www-authenticate"), body };
      };
      const none = await answer({});
      expect(none.status).toBe(401);
      expect(none.challenge).toMatch(/^Bearer /);
      expect(none.body).not.toContain("ws_echo_");
      const wrong = await answer({ Authorization: `Bearer ${TOKEN}x` });
      expect(wrong.status).toBe(401);
      expect(wrong.body).not.toContain("ws_echo_");
      const right = await answer({ Authorization: `Bearer ${TOKEN}` });
      expect(right.status).toBe(200);
      expect(right.body).toContain("# TYPE ws_echo_connections gauge\n");
    });
  });

  describe("metrics off (METRICS=off)", () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServer(rt.script, { env: { METRICS: "off" }, readyTimeoutMs: rt.readyTimeoutMs });
    }, 120_000);
    afterAll(() => server?.stop(), 30_000);

    test("GET /metrics gets 404, and the echo still works", async () => {
      const response = await fetch(`${server.origin}/metrics`, { signal: AbortSignal.timeout(10_000) });
      await response.body?.cancel();
      expect(response.status).toBe(404);
      const client = await EchoClient.open(`ws://127.0.0.1:${server.port}/ws`);
      client.send("still echoing");
      expect((await client.next(10_000, "the echo with metrics off")).data.toString()).toBe("still echoing");
      await client.close(1000);
    });
  });
}
