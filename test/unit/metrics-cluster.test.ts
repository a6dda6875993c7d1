import { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ConnectionRegistry } from "../../src/connections.ts";
import { EchoMetrics, mergeSnapshots, type MetricsSnapshot, prometheusText } from "../../src/metrics.ts";
import { metricsHandler } from "../../src/metrics-route.ts";
import {
  COLLECT_DEADLINE_MS,
  decodeLine,
  encodeLine,
  isMetricsMessage,
  LineSplitter,
  MAX_PENDING_SCRAPES,
  METRICS_MARKER,
  MetricsAggregator,
  type MetricsMessage,
  SCRAPE_DEADLINE_MS,
  ScrapeUnavailable,
  WorkerMetrics,
} from "../../src/metrics-cluster.ts";
import { parseExposition, valueOf } from "../harness/prometheus-text.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A worker's snapshot with `opened` connections opened, `open` of them open, `text` text messages. */
function snapshot(
  { opened = 0, open = 0, text = 0, rss = 1000, start = 100 }: Partial<
    Record<"opened" | "open" | "text" | "rss" | "start", number>
  > = {},
): MetricsSnapshot {
  return {
    ...mergeSnapshots([]),
    connections: open,
    opened,
    closed: opened - open > 0 ? { "1000": opened - open } : {},
    messages: { text, binary: 0 },
    process: { cpuUserSeconds: 1, cpuSystemSeconds: 0.5, residentMemoryBytes: rss, startTimeSeconds: start },
  };
}

/**
 * A primary with fake workers: each worker is a `WorkerMetrics` whose
 * snapshot is set by the test, joined to the aggregator by a queue of
 * messages in both directions (delivered by `deliver`, in order, as a channel
 * does). A worker can be made deaf: it then answers nothing.
 */
function cluster(primaryProcess = true) {
  const toPrimary: { pid: number; message: MetricsMessage }[] = [];
  const toWorker: { pid: number; message: MetricsMessage }[] = [];
  const aggregator = new MetricsAggregator({
    send: (pid, message) => void toWorker.push({ pid, message }),
    process: primaryProcess
      ? () => ({ cpuUserSeconds: 0.25, cpuSystemSeconds: 0, residentMemoryBytes: 500, startTimeSeconds: 50 })
      : undefined,
  });
  const workers = new Map<number, { current: MetricsSnapshot; client: WorkerMetrics; deaf: boolean }>();
  const add = (pid: number, current: MetricsSnapshot = snapshot()) => {
    const worker: { current: MetricsSnapshot; deaf: boolean; client: WorkerMetrics } = {
      current,
      deaf: false,
      client: new WorkerMetrics({
        snapshot: () => worker.current,
        send: (message) => void toPrimary.push({ pid, message }),
      }),
    };
    workers.set(pid, worker);
    aggregator.ready(pid);
    return worker;
  };
  /** Delivers every queued message (and the answers they cause) until both queues are empty. */
  const deliver = () => {
    while (toPrimary.length > 0 || toWorker.length > 0) {
      for (const { pid, message } of toPrimary.splice(0)) aggregator.message(pid, message);
      for (const { pid, message } of toWorker.splice(0)) {
        const worker = workers.get(pid);
        if (worker && !worker.deaf) worker.client.message(message);
      }
    }
  };
  const kill = (pid: number) => {
    workers.delete(pid);
    aggregator.exited(pid);
  };
  return { aggregator, workers, add, deliver, kill, toPrimary, toWorker };
}

/** A scrape through worker `pid`, run to its end: the exposition as families. */
async function scrape(c: ReturnType<typeof cluster>, pid: number) {
  const answer = c.workers.get(pid)!.client.scrape();
  c.deliver();
  return parseExposition(prometheusText(await answer));
}

describe("the primary sums every worker's snapshot", () => {
  test("whichever worker is asked, the totals are the sum of all, with the primary's own process", async () => {
    const c = cluster();
    c.add(101, snapshot({ opened: 3, open: 1, text: 7, rss: 1000, start: 100 }));
    c.add(102, snapshot({ opened: 2, open: 2, text: 5, rss: 2000, start: 90 }));
    for (const pid of [101, 102]) {
      const families = await scrape(c, pid);
      expect(valueOf(families, "ws_echo_connections_opened_total")).toBe(5);
      expect(valueOf(families, "ws_echo_connections")).toBe(3);
      expect(valueOf(families, "ws_echo_connections_closed_total", { code: "1000" })).toBe(2);
      expect(valueOf(families, "ws_echo_messages_total", { type: "text" })).toBe(12);
      expect(valueOf(families, "ws_echo_workers")).toBe(2);
      expect(valueOf(families, "ws_echo_workers_reporting")).toBe(2);
      expect(valueOf(families, "process_resident_memory_bytes")).toBe(3500);
      expect(valueOf(families, "process_cpu_seconds_total")).toBe(3.25);
      expect(valueOf(families, "process_start_time_seconds")).toBe(50);
    }
  });

  test("a scrape sees what a worker counted just before it (pull: no staleness)", async () => {
    const c = cluster();
    const a = c.add(101, snapshot({ text: 1 }));
    c.add(102, snapshot({ text: 1 }));
    expect(valueOf(await scrape(c, 102), "ws_echo_messages_total", { type: "text" })).toBe(2);
    a.current = snapshot({ text: 10 });
    expect(valueOf(await scrape(c, 102), "ws_echo_messages_total", { type: "text" })).toBe(11);
  });

  test("no collection without a scrape: nothing is sent, and no timer runs", () => {
    const c = cluster();
    c.add(101);
    c.add(102);
    vi.advanceTimersByTime(60_000);
    expect(c.toWorker).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("a worker that does not answer", () => {
  test("after the deadline the totals come without it; it counts with the last snapshot it sent", async () => {
    const c = cluster(false);
    const slow = c.add(101, snapshot({ opened: 4, text: 8 }));
    c.add(102, snapshot({ opened: 1, text: 1 }));
    expect(valueOf(await scrape(c, 102), "ws_echo_messages_total", { type: "text" })).toBe(9);

    slow.deaf = true;
    slow.current = snapshot({ opened: 6, text: 20 }); // newer counts it will not send
    const answer = c.workers.get(102)!.client.scrape();
    c.deliver();
    let settled = false;
    void answer.then(() => settled = true);
    await vi.advanceTimersByTimeAsync(COLLECT_DEADLINE_MS - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    c.deliver();
    const families = parseExposition(prometheusText(await answer));
    expect(valueOf(families, "ws_echo_workers_reporting")).toBe(1);
    expect(valueOf(families, "ws_echo_workers")).toBe(2);
    // Not down to 1: the silent worker's last 8 still count.
    expect(valueOf(families, "ws_echo_messages_total", { type: "text" })).toBe(9);
  });

  test("its late answer does not count for the round it missed, but is kept as its last snapshot", async () => {
    const c = cluster(false);
    const slow = c.add(101, snapshot({ text: 1 }));
    c.add(102, snapshot({ text: 1 }));
    await scrape(c, 102);
    slow.current = snapshot({ text: 5 });
    const first = c.workers.get(102)!.client.scrape();
    for (const { pid, message } of c.toPrimary.splice(0)) c.aggregator.message(pid, message);
    for (const { pid, message } of c.toWorker.splice(0)) c.workers.get(pid)!.client.message(message);
    // Both answered, but 101's answer is held up in its channel past the deadline.
    const held = c.toPrimary.splice(c.toPrimary.findIndex((m) => m.pid === 101), 1);
    c.deliver();
    await vi.advanceTimersByTimeAsync(COLLECT_DEADLINE_MS);
    c.deliver();
    const late = await first;
    expect(late.workers).toEqual({ live: 2, reporting: 1 });
    expect(late.messages.text).toBe(2); // 101 as last seen: 1
    for (const { pid, message } of held) c.aggregator.message(pid, message);
    // 101 now says nothing more; the next scrape counts it with the late answer.
    slow.deaf = true;
    const next = c.workers.get(102)!.client.scrape();
    c.deliver();
    await vi.advanceTimersByTimeAsync(COLLECT_DEADLINE_MS);
    c.deliver();
    expect((await next).messages.text).toBe(6);
  });

  test("a primary that does not answer: the scrape is refused after SCRAPE_DEADLINE_MS", async () => {
    const client = new WorkerMetrics({ snapshot: () => snapshot(), send: () => {} });
    const answer = client.scrape();
    const refused = expect(answer).rejects.toThrow(ScrapeUnavailable);
    await vi.advanceTimersByTimeAsync(SCRAPE_DEADLINE_MS);
    await refused;
    // A totals message for it that comes later is dropped.
    client.message({ type: "ws-echo metrics totals", id: 1, snapshot: snapshot() });
  });

  test(`more than ${MAX_PENDING_SCRAPES} scrapes waiting at once: the next is refused at once`, async () => {
    const sent: MetricsMessage[] = [];
    const client = new WorkerMetrics({ snapshot: () => snapshot(), send: (m) => void sent.push(m) });
    const waiting = Array.from({ length: MAX_PENDING_SCRAPES }, () => client.scrape().catch((e: Error) => e));
    await expect(client.scrape()).rejects.toThrow(/64 scrapes already wait/);
    expect(sent).toHaveLength(MAX_PENDING_SCRAPES);
    await vi.advanceTimersByTimeAsync(SCRAPE_DEADLINE_MS);
    for (const error of await Promise.all(waiting)) expect(error).toBeInstanceOf(ScrapeUnavailable);
  });
});

describe("a worker that dies", () => {
  test("its last counts stay in the counters; its connections and memory leave the gauges", async () => {
    const c = cluster(false);
    c.add(101, snapshot({ opened: 4, open: 3, text: 8, rss: 1000 }));
    c.add(102, snapshot({ opened: 1, open: 1, text: 1, rss: 2000 }));
    const before = await scrape(c, 102);
    expect(valueOf(before, "ws_echo_connections")).toBe(4);

    c.kill(101);
    c.add(103); // its replacement, a new pid, counting from 0
    const after = await scrape(c, 103);
    expect(valueOf(after, "ws_echo_messages_total", { type: "text" })).toBe(9);
    expect(valueOf(after, "ws_echo_connections_opened_total")).toBe(5);
    expect(valueOf(after, "ws_echo_connections_closed_total", { code: "1000" })).toBe(1);
    expect(valueOf(after, "ws_echo_connections")).toBe(1);
    expect(valueOf(after, "process_resident_memory_bytes")).toBe(2000 + 1000); // 102 and the replacement
    expect(valueOf(after, "process_cpu_seconds_total")).toBe(3 * 1.5); // the dead one's CPU time stays
    expect(valueOf(after, "ws_echo_workers")).toBe(2);

    // A second death keeps adding: the retired sum grows, never resets.
    c.kill(102);
    c.add(104);
    const later = await scrape(c, 104);
    expect(valueOf(later, "ws_echo_messages_total", { type: "text" })).toBe(9);
    expect(valueOf(later, "ws_echo_connections")).toBe(0);
  });

  test("dying while asked ends the round at once; a late line from it is not its replacement's", async () => {
    const c = cluster(false);
    const doomed = c.add(101, snapshot({ text: 3 }));
    c.add(102, snapshot({ text: 1 }));
    await scrape(c, 102);
    doomed.deaf = true;
    const answer = c.workers.get(102)!.client.scrape();
    c.deliver();
    c.kill(101);
    c.deliver();
    expect((await answer).workers).toEqual({ live: 1, reporting: 1 });
    // A snapshot line from the dead pid that was still in its pipe: ignored.
    c.aggregator.message(101, { type: "ws-echo metrics snapshot", id: 99, snapshot: snapshot({ text: 1000 }) });
    c.add(103);
    expect(valueOf(await scrape(c, 103), "ws_echo_messages_total", { type: "text" })).toBe(4);
  });

  test("counters never go down over scrapes through either worker, across deaths and silences", async () => {
    const c = cluster();
    const text = new Map<number, number>();
    let next = 200;
    c.add(next++);
    c.add(next++);
    let last = 0;
    for (let step = 0; step < 60; step++) {
      const pids = [...c.workers.keys()];
      for (const pid of pids) {
        const worker = c.workers.get(pid)!;
        text.set(pid, (text.get(pid) ?? 0) + (step % 3) + 1);
        worker.current = snapshot({ text: text.get(pid)! });
        worker.deaf = step % 7 === pid % 7;
      }
      if (step % 11 === 5) {
        c.kill(pids[0]!);
        c.add(next++);
      }
      const asker = [...c.workers.keys()][step % 2]!;
      c.workers.get(asker)!.deaf = false;
      const answer = c.workers.get(asker)!.client.scrape();
      c.deliver();
      await vi.advanceTimersByTimeAsync(COLLECT_DEADLINE_MS);
      c.deliver();
      const value = valueOf(parseExposition(prometheusText(await answer)), "ws_echo_messages_total", { type: "text" })!;
      expect(value).toBeGreaterThanOrEqual(last);
      last = value;
    }
    expect(last).toBeGreaterThan(0);
  });
});

describe("one collection at a time", () => {
  test("scrapes during a collection share the next one; each worker gets one collect per round", async () => {
    const c = cluster(false);
    const a = c.add(101, snapshot({ text: 1 }));
    c.add(102, snapshot({ text: 1 }));
    const first = c.workers.get(101)!.client.scrape();
    for (const { pid, message } of c.toPrimary.splice(0)) c.aggregator.message(pid, message);
    expect(c.toWorker.map((m) => m.message.type)).toEqual(["ws-echo metrics collect", "ws-echo metrics collect"]);
    // Three more scrapes arrive while the first round runs; meanwhile 101 counts more.
    a.current = snapshot({ text: 5 });
    const more = [101, 102, 102].map((pid) => c.workers.get(pid)!.client.scrape());
    for (const { pid, message } of c.toPrimary.splice(0)) c.aggregator.message(pid, message);
    expect(c.toWorker).toHaveLength(2); // no new collect yet
    c.deliver();
    // The first round saw 1 + 1 or 5 + 1 (101 answered after counting more); the later ones see 5 + 1.
    expect((await first).messages.text).toBeGreaterThanOrEqual(2);
    for (const answer of await Promise.all(more)) expect(answer.messages.text).toBe(6);
  });

  test("with no worker ready yet, the totals are the primary's own figures, and no worker counted", () => {
    const c = cluster();
    const totals = c.aggregator.totals(0);
    expect(totals.workers).toEqual({ live: 0, reporting: 0 });
    expect(totals.process?.residentMemoryBytes).toBe(500);
  });
});

describe("messages", () => {
  test("only well-formed messages of ours are taken; anything else on a channel is ignored", () => {
    expect(isMetricsMessage({ type: "ws-echo metrics scrape", id: 1 })).toBe(true);
    expect(isMetricsMessage({ type: "ws-echo metrics totals", id: 1, snapshot: {} })).toBe(true);
    expect(isMetricsMessage({ type: "ws-echo metrics totals", id: 1 })).toBe(false);
    expect(isMetricsMessage({ type: "ws-echo ready", port: 80 })).toBe(false);
    expect(isMetricsMessage({ type: "ws-echo metrics scrape", id: 1.5 })).toBe(false);
    expect(isMetricsMessage(null)).toBe(false);
    expect(isMetricsMessage("ws-echo metrics scrape")).toBe(false);
    const c = cluster();
    c.add(101);
    c.aggregator.message(101, { type: "something else" });
    c.aggregator.message(101, undefined);
    expect(c.toWorker).toEqual([]);
  });

  test("a line carries one message; other lines, bad JSON and cut lines are no message", () => {
    const message: MetricsMessage = { type: "ws-echo metrics snapshot", id: 7, snapshot: snapshot({ text: 3 }) };
    const line = encodeLine(message);
    expect(line.startsWith(METRICS_MARKER)).toBe(true);
    expect(line).not.toContain("\n");
    expect(decodeLine(line)).toEqual(message);
    expect(decodeLine("some log line")).toBeUndefined();
    expect(decodeLine(`${METRICS_MARKER}{not json`)).toBeUndefined();
    expect(decodeLine(line.slice(0, line.length - 3))).toBeUndefined();
  });

  test("the line splitter joins chunks into lines and bounds a line that never ends", () => {
    const lines = new LineSplitter(10);
    expect(lines.push("ab")).toEqual([]);
    expect(lines.push("c\nde")).toEqual(["abc"]);
    expect(lines.push("f\n\ngh")).toEqual(["def", ""]);
    expect(lines.push("x".repeat(25))).toEqual(["ghxxxxxxxx", "xxxxxxxxxx"]);
    expect(lines.rest()).toBe("xxxxxxx");
    expect(lines.rest()).toBe("");
  });

  test("a snapshot survives the JSON of a line channel intact", () => {
    const original = snapshot({ opened: 3, open: 1, text: 2 });
    const message = decodeLine(encodeLine({ type: "ws-echo metrics snapshot", id: 1, snapshot: original }));
    expect(message?.type === "ws-echo metrics snapshot" && message.snapshot).toEqual(original);
  });
});

describe("GET /metrics with a whole-server source", () => {
  const app = (wholeServer: () => Promise<MetricsSnapshot>) => {
    const hono = new Hono();
    hono.get("/metrics", metricsHandler(new EchoMetrics(new ConnectionRegistry()), wholeServer));
    return hono;
  };

  test("answers the whole server's snapshot, with the worker gauges", async () => {
    const response = await app(() => Promise.resolve({ ...snapshot({ text: 4 }), workers: { live: 2, reporting: 2 } }))
      .request("/metrics");
    expect(response.status).toBe(200);
    const families = parseExposition(await response.text());
    expect(valueOf(families, "ws_echo_messages_total", { type: "text" })).toBe(4);
    expect(valueOf(families, "ws_echo_workers")).toBe(2);
  });

  test("answers 503 with Retry-After when the primary does not answer, never this process's figures alone", async () => {
    const response = await app(() => Promise.reject(new ScrapeUnavailable("the primary did not answer within 3000 ms")))
      .request("/metrics");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    const body = await response.text();
    expect(body).toContain("the primary did not answer");
    expect(body).not.toContain("ws_echo_");
  });
});
