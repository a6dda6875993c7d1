/**
 * WORKERS=2 and `GET /metrics` (issues 24 and 25): a scrape reports the whole
 * server, whichever worker answers it, and a worker killed with SIGKILL
 * leaves its counts in the totals. Which worker holds a connection is told by
 * /healthz (`pid`, `connections`); the scrapes go over fresh connections, so
 * they reach both workers (the kernel or the primary picks; neither can be
 * aimed at). Every scrape must show counts that neither worker has alone.
 */
import process from "node:process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EchoClient } from "./harness/client.ts";
import { until } from "./harness/deadline.ts";
import { type MetricFamily, parseExposition, valueOf } from "./harness/prometheus-text.ts";
import { processAlive } from "./harness/proc.ts";
import { get, rawRequest } from "./harness/raw.ts";
import { type ServerProcess, startServer } from "./harness/server-process.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

const TOKEN = "cluster-metrics-token_0123456789";
const CLIENTS = 20;
/** Per client: two texts (1-, 2-, 3- and 4-byte characters: 6 + 6 bytes) and one binary of 100 bytes. */
const TEXTS = ["héllo", "😀€"];
const TEXT_BYTES = 6 + 7;
const BINARY = new Uint8Array(100).fill(9);

interface Health {
  connections: number;
  pid: number;
}

async function health(port: number): Promise<Health> {
  const response = await rawRequest(port, get("/healthz"));
  expect(response.status, response.body).toBe(200);
  return JSON.parse(response.body) as Health;
}

/** The latest /healthz of each worker seen, asked over fresh connections until `done` holds. */
async function perWorker(port: number, what: string, done: (seen: Map<number, Health>) => boolean) {
  const seen = new Map<number, Health>();
  await until(20_000, what, async () => {
    const answer = await health(port);
    seen.set(answer.pid, answer);
    return done(seen);
  }, 10);
  return seen;
}

/** One scrape over a fresh connection, through the strict parser. */
async function scrape(port: number): Promise<MetricFamily[]> {
  const response = await rawRequest(port, get("/metrics", { Authorization: `Bearer ${TOKEN}` }));
  expect(response.status, response.body).toBe(200);
  expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4(;|$)/);
  return parseExposition(response.body);
}

/** The figures the test checks, from one scrape. */
function totals(families: MetricFamily[]) {
  return {
    connections: valueOf(families, "ws_echo_connections"),
    opened: valueOf(families, "ws_echo_connections_opened_total"),
    closed4000: valueOf(families, "ws_echo_connections_closed_total", { code: "4000" }),
    text: valueOf(families, "ws_echo_messages_total", { type: "text" }),
    binary: valueOf(families, "ws_echo_messages_total", { type: "binary" }),
    textBytes: valueOf(families, "ws_echo_message_bytes_total", { type: "text" }),
    binaryBytes: valueOf(families, "ws_echo_message_bytes_total", { type: "binary" }),
    handshakes: valueOf(families, "ws_echo_handshake_duration_seconds_count"),
    workers: valueOf(families, "ws_echo_workers"),
    reporting: valueOf(families, "ws_echo_workers_reporting"),
  };
}

/** What the totals must be after `n` clients each did the conversation and closed with 4000. */
const after = (n: number) => ({
  connections: 0,
  opened: n,
  closed4000: n,
  text: 2 * n,
  binary: n,
  textBytes: TEXT_BYTES * n,
  binaryBytes: BINARY.length * n,
  handshakes: n,
  workers: 2,
  reporting: 2,
});

async function converse(clients: EchoClient[]): Promise<void> {
  await Promise.all(clients.map(async (client, i) => {
    for (const text of TEXTS) client.send(text);
    client.send(BINARY);
    for (let k = 0; k < 3; k++) await client.next(10_000, `echo ${k + 1} of 3 on client ${i}`);
    expect(await client.close(4000, "done")).toEqual({ code: 4000, reason: "done" });
  }));
}

export function describeClusterMetrics(rt: RuntimeUnderTest): void {
  // Workers (-workerProcesses in the suite's name) have no worker processes to aggregate: the platform places
  // isolates, test/cores.ts checks that WORKERS is accepted and ignored there, and test/metrics.ts that a scrape
  // reports its isolate. Nothing to run here, rather than tests listed as skipped.
  if (!rt.capabilities.workerProcesses) return;
  describe(
    "WORKERS=2 metrics: /metrics reports the whole server",
    () => {
      let server: ServerProcess;
      beforeAll(async () => {
        server = await startServer(rt.script, {
          env: { WORKERS: "2", METRICS_TOKEN: TOKEN, LOG_LEVEL: "warn" },
          readyTimeoutMs: rt.readyTimeoutMs,
        });
      }, 120_000);
      afterAll(() => server?.stop(), 30_000);

      test(
        `${CLIENTS} clients over both workers: every scrape, through either worker, has the exact whole-server totals`,
        async () => {
          const clients = await Promise.all(
            Array.from({ length: CLIENTS }, () => EchoClient.open(`ws://127.0.0.1:${server.port}/ws`)),
          );
          const seen = await perWorker(
            server.port,
            `both workers to hold some of the ${CLIENTS} WebSockets`,
            (s) => s.size === 2 && [...s.values()].reduce((n, h) => n + h.connections, 0) === CLIENTS,
          );
          const split = [...seen.values()].map((h) => h.connections);
          console.log(`${rt.label}: ${CLIENTS} WebSockets by worker: ${JSON.stringify(split)}`);
          // Neither worker alone has them all: a scrape that shows all of them summed both.
          expect(Math.min(...split)).toBeGreaterThan(0);
          expect(totals(await scrape(server.port)).connections).toBe(CLIENTS);

          await converse(clients);
          // The server counts a close when its side of it is done; give it a moment, then it must be exact.
          await until(10_000, "a scrape to count every close", async () => {
            return totals(await scrape(server.port)).connections === 0;
          });
          for (let i = 0; i < 8; i++) expect(totals(await scrape(server.port))).toEqual(after(CLIENTS));
        },
        120_000,
      );

      test("a worker killed with SIGKILL: its counts stay in the totals after its replacement", async () => {
        const before = await scrape(server.port);
        const startTime = valueOf(before, "process_start_time_seconds");
        expect(totals(before)).toEqual(after(CLIENTS));
        const workers = await perWorker(server.port, "both workers to answer /healthz", (s) => s.size === 2);
        const [victim, survivor] = [...workers.keys()] as [number, number];
        process.kill(victim, "SIGKILL");
        await until(10_000, `the killed worker ${victim} to be gone`, () => !processAlive(victim));
        // Until the primary has seen the death, a connection may still be handed to the dead worker and
        // get no answer (node:cluster): such a request counts as "not yet".
        await until(20_000, "a new worker to answer /healthz in place of the killed one", async () => {
          const answer = await rawRequest(server.port, get("/healthz"), 2_000).catch(() => undefined);
          const pid = answer?.status === 200 ? (JSON.parse(answer.body) as Health).pid : undefined;
          return pid !== undefined && pid !== victim && pid !== survivor;
        }, 50);
        await until(20_000, "a scrape to see two workers serving again", async () => {
          return totals(await scrape(server.port)).workers === 2;
        });
        for (let i = 0; i < 6; i++) {
          const families = await scrape(server.port);
          expect(totals(families)).toEqual(after(CLIENTS));
          // The earliest start is the primary's: only a restart of the whole server changes it.
          expect(valueOf(families, "process_start_time_seconds")).toBe(startTime);
        }

        // The new worker's counts add to the old ones.
        const more = await Promise.all(
          Array.from({ length: 6 }, () => EchoClient.open(`ws://127.0.0.1:${server.port}/ws`)),
        );
        await converse(more);
        await until(10_000, "a scrape to count the 6 new closes", async () => {
          return totals(await scrape(server.port)).connections === 0;
        });
        for (let i = 0; i < 4; i++) expect(totals(await scrape(server.port))).toEqual(after(CLIENTS + 6));
      }, 120_000);
    },
  );
}
