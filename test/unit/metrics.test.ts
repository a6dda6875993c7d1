import { expect, test } from "vitest";
import { ConnectionRegistry } from "../../src/connections.ts";
import { FlowControl, HIGH_WATER_MARK } from "../../src/flow-control.ts";
import {
  closeCodeLabel,
  EchoMetrics,
  HANDSHAKE_BUCKETS,
  mergeSnapshots,
  type MessageCounts,
  type MetricsSnapshot,
  processMetricsOf,
  prometheusText,
  utf8Length,
} from "../../src/metrics.ts";
import { parseExposition, valueOf } from "../harness/prometheus-text.ts";

/** A connection as the registry and the metrics see it, with fixed counts. */
function connection(id: number, counts: MessageCounts) {
  return {
    id,
    registrySlot: -1,
    close() {},
    countInto(totals: MessageCounts) {
      totals.textMessages += counts.textMessages;
      totals.binaryMessages += counts.binaryMessages;
      totals.binaryBytes += counts.binaryBytes;
    },
  };
}

test("a snapshot sums closed and open connections, and counts closes, refusals and handshakes", () => {
  const registry = new ConnectionRegistry();
  const metrics = new EchoMetrics(registry);
  const a = connection(1, { textMessages: 3, binaryMessages: 2, binaryBytes: 10 });
  const b = connection(2, { textMessages: 1, binaryMessages: 0, binaryBytes: 0 });
  registry.add(a);
  registry.add(b);
  metrics.opened(0.0002);
  metrics.opened(0.3);
  metrics.receivedText("héllo"); // 6 bytes
  registry.delete(a);
  metrics.closed(4000, a);
  metrics.refused(403);
  metrics.refused(403);
  metrics.refused(426);
  const s = metrics.snapshot();
  expect(s).toMatchObject({
    connections: 1,
    opened: 2,
    closed: { "4000": 1 },
    messages: { text: 4, binary: 2 },
    bytes: { text: 6, binary: 10 },
    refused: { "403": 2, "426": 1 },
  });
  expect(s.handshake.count).toBe(2);
  expect(s.handshake.buckets[0]).toBe(1);
  expect(s.handshake.buckets[HANDSHAKE_BUCKETS.indexOf(0.5)]).toBe(1);
  expect(s.process).toBeUndefined();
  // Plain JSON of numbers: it survives a round trip unchanged.
  expect(JSON.parse(JSON.stringify(s))).toEqual(s);
});

test("close codes outside 1000-4999 share one label", () => {
  expect([1000, 1006, 4999, 999, 5000, 0, 1000.5].map(closeCodeLabel)).toEqual([
    "1000",
    "1006",
    "4999",
    "other",
    "other",
    "other",
    "other",
  ]);
});

test("mergeSnapshots sums every count, key by key and bucket by bucket", () => {
  const one = (n: number, process?: MetricsSnapshot["process"]): MetricsSnapshot => {
    const registry = new ConnectionRegistry();
    const metrics = new EchoMetrics(registry, process ? { process: () => process } : {});
    for (let i = 0; i < n; i++) {
      metrics.opened(0.002);
      metrics.closed(1000 + i, connection(i, { textMessages: 1, binaryMessages: 2, binaryBytes: 3 }));
      metrics.refused(503);
    }
    metrics.textBytes = 5 * n;
    metrics.keepAliveTimeouts = n;
    metrics.flowControlPauses = 2 * n;
    metrics.errors = 3 * n;
    return metrics.snapshot();
  };
  const p1 = { cpuUserSeconds: 1, cpuSystemSeconds: 2, residentMemoryBytes: 100, startTimeSeconds: 50 };
  const p2 = { cpuUserSeconds: 3, cpuSystemSeconds: 4, residentMemoryBytes: 200, startTimeSeconds: 40 };
  const merged = mergeSnapshots([one(1, p1), one(2, p2)]);
  expect(merged).toMatchObject({
    opened: 3,
    closed: { "1000": 2, "1001": 1 },
    messages: { text: 3, binary: 6 },
    bytes: { text: 15, binary: 9 },
    refused: { "503": 3 },
    keepAliveTimeouts: 3,
    flowControlPauses: 6,
    errors: 9,
    process: { cpuUserSeconds: 4, cpuSystemSeconds: 6, residentMemoryBytes: 300, startTimeSeconds: 40 },
  });
  expect(merged.handshake.count).toBe(3);
  expect(merged.handshake.buckets[HANDSHAKE_BUCKETS.indexOf(0.0025)]).toBe(3);
  expect(mergeSnapshots([one(2)])).toEqual(one(2));
});

test("the exposition parses strictly and says what the snapshot says", () => {
  const registry = new ConnectionRegistry();
  const fake = {
    cpuUsage: () => ({ user: 1_500_000, system: 500_000 }),
    memoryUsage: { rss: () => 4096 },
    uptime: () => 10,
  };
  const metrics = new EchoMetrics(registry, { process: processMetricsOf(fake) });
  metrics.opened(0.004);
  metrics.opened(7);
  metrics.closed(4000, connection(1, { textMessages: 3, binaryMessages: 2, binaryBytes: 5 }));
  metrics.closed(12345, connection(2, { textMessages: 0, binaryMessages: 0, binaryBytes: 0 }));
  metrics.refused(403);
  const families = parseExposition(prometheusText(metrics.snapshot()));
  const type = (name: string) => families.find((f) => f.name === name)?.type;
  expect(type("ws_echo_connections")).toBe("gauge");
  expect(type("ws_echo_messages_total")).toBe("counter");
  expect(type("ws_echo_handshake_duration_seconds")).toBe("histogram");
  expect(families.every((f) => f.help && f.help.length > 0)).toBe(true);
  expect(valueOf(families, "ws_echo_connections_closed_total", { code: "4000" })).toBe(1);
  expect(valueOf(families, "ws_echo_connections_closed_total", { code: "other" })).toBe(1);
  expect(valueOf(families, "ws_echo_messages_total", { type: "text" })).toBe(3);
  expect(valueOf(families, "ws_echo_message_bytes_total", { type: "binary" })).toBe(5);
  expect(valueOf(families, "ws_echo_handshakes_refused_total", { status: "403" })).toBe(1);
  expect(valueOf(families, "ws_echo_handshake_duration_seconds_bucket", { le: "0.005" })).toBe(1);
  expect(valueOf(families, "ws_echo_handshake_duration_seconds_bucket", { le: "2.5" })).toBe(1);
  expect(valueOf(families, "ws_echo_handshake_duration_seconds_bucket", { le: "+Inf" })).toBe(2);
  expect(valueOf(families, "ws_echo_handshake_duration_seconds_count")).toBe(2);
  expect(valueOf(families, "process_cpu_seconds_total")).toBe(2);
  expect(valueOf(families, "process_resident_memory_bytes")).toBe(4096);
  // Counters of rare events are there at 0 from the start, so alerts on rate() see them.
  expect(valueOf(families, "ws_echo_keepalive_timeouts_total")).toBe(0);
});

test("utf8Length is exact for 1- to 4-byte characters, short and long", () => {
  for (const text of ["", "a", "é", "€", "😀", "aé€😀", "x".repeat(70_000) + "😀é", "€".repeat(30_000)]) {
    expect(utf8Length(text), JSON.stringify(text.slice(0, 8))).toBe(new TextEncoder().encode(text).byteLength);
  }
});

test("flow control counts a pause once, not every send while paused", () => {
  const counts = { flowControlPauses: 0 };
  let buffered = HIGH_WATER_MARK + 1;
  const control = {
    get bufferedAmount() {
      return buffered;
    },
    close() {},
    terminate() {},
    pause() {},
    resume() {},
  };
  const flow = new FlowControl(control, counts);
  expect(flow.afterSend()).toBe("paused");
  expect(flow.afterSend()).toBe("paused");
  expect(counts.flowControlPauses).toBe(1);
  buffered = 0;
  flow.stop();
  expect(flow.afterSend()).toBeUndefined();
  expect(counts.flowControlPauses).toBe(1);
});
