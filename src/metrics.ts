/**
 * What an operator scrapes from `GET /metrics`: one app's counters, kept as
 * plain numbers, and their Prometheus text exposition (format 0.0.4). Free of
 * any runtime: the process's own figures come from a `ProcessMetricsSource`
 * that each runtime's entry point passes in (none on Workers).
 *
 * Counting costs the message path nothing it did not already pay: a
 * connection already counts its messages and binary bytes for its close log
 * line; those counts are added here when it closes, and summed over the open
 * connections when someone scrapes. Only text bytes are counted per message,
 * since a runtime that hands text over as a string (Bun, Deno, Workers) gives
 * no byte count: see `utf8Length`.
 *
 * A snapshot is plain JSON of numbers, and snapshots add up
 * (`mergeSnapshots`): several processes serving one port can answer a scrape
 * for all of them.
 */
import type { ConnectionRegistry } from "./connections.ts";

/** Message counts by type, as a connection keeps them. */
export interface MessageCounts {
  textMessages: number;
  binaryMessages: number;
  binaryBytes: number;
}

/** The figures a runtime can tell about its own process (node:process on Node, Deno and Bun). */
export interface ProcessMetrics {
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  residentMemoryBytes: number;
  /** Seconds since the Unix epoch. */
  startTimeSeconds: number;
}

/** Reads the process's figures at scrape time; absent where the runtime has none (Workers). */
export type ProcessMetricsSource = () => ProcessMetrics;

/** What `processMetricsOf` reads: the part of `node:process` that Node, Deno and Bun all have. */
export interface NodeLikeProcess {
  cpuUsage(): { user: number; system: number };
  memoryUsage: { rss(): number };
  uptime(): number;
}

/** A `ProcessMetricsSource` over a runtime's `node:process` (the runtime files pass theirs in). */
export function processMetricsOf(process: NodeLikeProcess): ProcessMetricsSource {
  const startTimeSeconds = Date.now() / 1000 - process.uptime();
  return () => {
    const { user, system } = process.cpuUsage(); // microseconds
    return {
      cpuUserSeconds: user / 1e6,
      cpuSystemSeconds: system / 1e6,
      residentMemoryBytes: process.memoryUsage.rss(),
      startTimeSeconds,
    };
  };
}

/** Upper bounds (seconds) of the handshake-duration histogram's buckets; +Inf follows. */
export const HANDSHAKE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/**
 * One app's metrics at one moment, as plain JSON of numbers. Records are keyed
 * by their label value: `closed` by close code, `refused` by HTTP status.
 */
export interface MetricsSnapshot {
  connections: number;
  opened: number;
  closed: Record<string, number>;
  messages: { text: number; binary: number };
  bytes: { text: number; binary: number };
  refused: Record<string, number>;
  keepAliveTimeouts: number;
  flowControlPauses: number;
  errors: number;
  /** Per bucket of HANDSHAKE_BUCKETS plus +Inf, not cumulative (the exposition sums them). */
  handshake: { buckets: number[]; sum: number; count: number };
  process?: ProcessMetrics;
  /** Only in a whole-server answer with WORKERS > 1 (src/metrics-cluster.ts); `mergeSnapshots` leaves it out. */
  workers?: WorkerCounts;
}

/** How many workers serve, and how many of them answered for a whole-server scrape. */
export interface WorkerCounts {
  /** Workers serving now (ready, not exited). */
  live: number;
  /** Of those, how many sent their snapshot for this scrape in time. */
  reporting: number;
}

/**
 * The close-code label: an integer from 1000 to 4999 (RFC 6455 §7.4: the
 * range a close code can have, including 1005 and 1006, which the log reports
 * for no code and no close frame), else "other", so a peer cannot grow the
 * label set beyond 4,001 values.
 */
export function closeCodeLabel(code: number): string {
  return Number.isInteger(code) && code >= 1000 && code <= 4999 ? String(code) : "other";
}

/**
 * The counters of one echo app. The echo calls its methods at open, close,
 * refusal and the rare events; per message only `textBytes` grows.
 */
export class EchoMetrics {
  /** UTF-8 bytes of the text messages received (counted per message, see `utf8Length`). */
  textBytes = 0;
  keepAliveTimeouts = 0;
  flowControlPauses = 0;
  errors = 0;
  #opened = 0;
  /** The message counts of connections that have closed. */
  readonly #closedCounts: MessageCounts = { textMessages: 0, binaryMessages: 0, binaryBytes: 0 };
  readonly #closed = new Map<string, number>();
  readonly #refused = new Map<string, number>();
  readonly #handshake = { buckets: new Array<number>(HANDSHAKE_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
  readonly #connections: ConnectionRegistry;
  readonly #process: ProcessMetricsSource | undefined;
  /** The runtime's own UTF-8 length where it has a native one (Bun, Deno), else ours. */
  readonly utf8Length: (text: string) => number;

  constructor(
    connections: ConnectionRegistry,
    { process, utf8Length: length = utf8Length }: {
      process?: ProcessMetricsSource | undefined;
      utf8Length?: ((text: string) => number) | undefined;
    } = {},
  ) {
    this.#connections = connections;
    this.#process = process;
    this.utf8Length = length;
  }

  /** A text message arrived as a string. */
  receivedText(text: string): void {
    this.textBytes += this.utf8Length(text);
  }

  /** A WebSocket opened, `seconds` after its handshake request reached the app. */
  opened(seconds: number): void {
    this.#opened++;
    const handshake = this.#handshake;
    let bucket = 0;
    while (bucket < HANDSHAKE_BUCKETS.length && seconds > HANDSHAKE_BUCKETS[bucket]!) bucket++;
    handshake.buckets[bucket]!++;
    handshake.sum += seconds;
    handshake.count++;
  }

  /** A WebSocket closed with `code` (as its close log line says), after `counts` messages. */
  closed(code: number, counts: { countInto(totals: MessageCounts): void }): void {
    counts.countInto(this.#closedCounts);
    increment(this.#closed, closeCodeLabel(code));
  }

  /** A request to the WebSocket endpoint got `status` instead of 101. */
  refused(status: number): void {
    increment(this.#refused, String(status));
  }

  /** The counters now, with the open connections' message counts summed in. */
  snapshot(): MetricsSnapshot {
    const live: MessageCounts = { ...this.#closedCounts };
    for (const connection of this.#connections.list()) connection.countInto?.(live);
    const handshake = this.#handshake;
    return {
      connections: this.#connections.size,
      opened: this.#opened,
      closed: Object.fromEntries(this.#closed),
      messages: { text: live.textMessages, binary: live.binaryMessages },
      bytes: { text: this.textBytes, binary: live.binaryBytes },
      refused: Object.fromEntries(this.#refused),
      keepAliveTimeouts: this.keepAliveTimeouts,
      flowControlPauses: this.flowControlPauses,
      errors: this.errors,
      handshake: { buckets: [...handshake.buckets], sum: handshake.sum, count: handshake.count },
      ...(this.#process ? { process: this.#process() } : {}),
    };
  }
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * Several snapshots as one (several processes serving one port): every count
 * summed, records key by key, histogram bucket by bucket; of the process
 * figures CPU and memory are summed and the start time is the earliest.
 */
export function mergeSnapshots(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const merged: MetricsSnapshot = {
    connections: 0,
    opened: 0,
    closed: {},
    messages: { text: 0, binary: 0 },
    bytes: { text: 0, binary: 0 },
    refused: {},
    keepAliveTimeouts: 0,
    flowControlPauses: 0,
    errors: 0,
    handshake: { buckets: new Array<number>(HANDSHAKE_BUCKETS.length + 1).fill(0), sum: 0, count: 0 },
  };
  for (const s of snapshots) {
    merged.connections += s.connections;
    merged.opened += s.opened;
    addRecord(merged.closed, s.closed);
    merged.messages.text += s.messages.text;
    merged.messages.binary += s.messages.binary;
    merged.bytes.text += s.bytes.text;
    merged.bytes.binary += s.bytes.binary;
    addRecord(merged.refused, s.refused);
    merged.keepAliveTimeouts += s.keepAliveTimeouts;
    merged.flowControlPauses += s.flowControlPauses;
    merged.errors += s.errors;
    if (s.handshake.buckets.length !== merged.handshake.buckets.length) {
      throw new RangeError("snapshots with different handshake buckets cannot be merged");
    }
    s.handshake.buckets.forEach((n, i) => merged.handshake.buckets[i]! += n);
    merged.handshake.sum += s.handshake.sum;
    merged.handshake.count += s.handshake.count;
    if (s.process) {
      const p = merged.process ??= { ...s.process, cpuUserSeconds: 0, cpuSystemSeconds: 0, residentMemoryBytes: 0 };
      p.cpuUserSeconds += s.process.cpuUserSeconds;
      p.cpuSystemSeconds += s.process.cpuSystemSeconds;
      p.residentMemoryBytes += s.process.residentMemoryBytes;
      p.startTimeSeconds = Math.min(p.startTimeSeconds, s.process.startTimeSeconds);
    }
  }
  return merged;
}

function addRecord(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value;
}

/** The exposition format's media type (Prometheus text format 0.0.4). */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Family = { name: string; type: "counter" | "gauge" | "histogram"; help: string; samples: string[] };

/**
 * A snapshot in the Prometheus text exposition format 0.0.4: a HELP and a
 * TYPE line per family, then its samples, every line ending in "\n". Label
 * values here are digits and fixed words, so they need no escaping.
 */
export function prometheusText(s: MetricsSnapshot): string {
  const families: Family[] = [
    gauge("ws_echo_connections", "Open WebSocket connections.", [sample("ws_echo_connections", s.connections)]),
    counter("ws_echo_connections_opened_total", "WebSocket connections opened.", [
      sample("ws_echo_connections_opened_total", s.opened),
    ]),
    counter(
      "ws_echo_connections_closed_total",
      "WebSocket connections closed, by the close code the server sent (1006: dropped without a closing handshake).",
      byLabel("ws_echo_connections_closed_total", "code", s.closed),
    ),
    counter("ws_echo_messages_total", "Messages received (each one echoed), by frame type.", [
      sample("ws_echo_messages_total", s.messages.text, 'type="text"'),
      sample("ws_echo_messages_total", s.messages.binary, 'type="binary"'),
    ]),
    counter("ws_echo_message_bytes_total", "Payload bytes of the messages received (UTF-8 for text), by frame type.", [
      sample("ws_echo_message_bytes_total", s.bytes.text, 'type="text"'),
      sample("ws_echo_message_bytes_total", s.bytes.binary, 'type="binary"'),
    ]),
    counter(
      "ws_echo_handshakes_refused_total",
      "Requests to the WebSocket endpoint answered with an HTTP status instead of 101, by status.",
      byLabel("ws_echo_handshakes_refused_total", "status", s.refused),
    ),
    counter("ws_echo_keepalive_timeouts_total", "Connections dropped because no pong came back in time.", [
      sample("ws_echo_keepalive_timeouts_total", s.keepAliveTimeouts),
    ]),
    counter("ws_echo_flow_control_pauses_total", "Times a connection stopped reading: its client was not reading.", [
      sample("ws_echo_flow_control_pauses_total", s.flowControlPauses),
    ]),
    counter("ws_echo_errors_total", "Errors in the echo path, each closing its connection with 1011.", [
      sample("ws_echo_errors_total", s.errors),
    ]),
    {
      name: "ws_echo_handshake_duration_seconds",
      type: "histogram",
      help: "Time from the upgrade request reaching the app to the WebSocket being open.",
      samples: histogram("ws_echo_handshake_duration_seconds", s.handshake),
    },
  ];
  if (s.workers) {
    families.push(
      gauge("ws_echo_workers", "Worker processes serving (WORKERS > 1).", [sample("ws_echo_workers", s.workers.live)]),
      gauge("ws_echo_workers_reporting", "Workers whose counts this scrape has fresh; the others count as last seen.", [
        sample("ws_echo_workers_reporting", s.workers.reporting),
      ]),
    );
  }
  const p = s.process;
  if (p) {
    families.push(
      counter("process_cpu_user_seconds_total", "Total user CPU time spent in seconds.", [
        sample("process_cpu_user_seconds_total", p.cpuUserSeconds),
      ]),
      counter("process_cpu_system_seconds_total", "Total system CPU time spent in seconds.", [
        sample("process_cpu_system_seconds_total", p.cpuSystemSeconds),
      ]),
      counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", [
        sample("process_cpu_seconds_total", p.cpuUserSeconds + p.cpuSystemSeconds),
      ]),
      gauge("process_resident_memory_bytes", "Resident memory size in bytes.", [
        sample("process_resident_memory_bytes", p.residentMemoryBytes),
      ]),
      gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", [
        sample("process_start_time_seconds", p.startTimeSeconds),
      ]),
    );
  }
  let text = "";
  for (const f of families) {
    text += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
    for (const line of f.samples) text += `${line}\n`;
  }
  return text;
}

function counter(name: string, help: string, samples: string[]): Family {
  return { name, type: "counter", help, samples };
}

function gauge(name: string, help: string, samples: string[]): Family {
  return { name, type: "gauge", help, samples };
}

function sample(name: string, value: number, labels?: string): string {
  return `${name}${labels ? `{${labels}}` : ""} ${formatValue(value)}`;
}

function byLabel(name: string, label: string, record: Record<string, number>): string[] {
  // Numeric label values in numeric order, "other" last: a stable output.
  const keys = Object.keys(record).sort((a, b) => (Number(a) || Infinity) - (Number(b) || Infinity));
  return keys.map((key) => sample(name, record[key]!, `${label}="${key}"`));
}

function histogram(name: string, h: MetricsSnapshot["handshake"]): string[] {
  const lines: string[] = [];
  let cumulative = 0;
  HANDSHAKE_BUCKETS.forEach((le, i) => {
    cumulative += h.buckets[i]!;
    lines.push(sample(`${name}_bucket`, cumulative, `le="${le}"`));
  });
  lines.push(sample(`${name}_bucket`, h.count, 'le="+Inf"'));
  lines.push(sample(`${name}_sum`, h.sum), sample(`${name}_count`, h.count));
  return lines;
}

/** A sample value as Go's ParseFloat reads it: integers plainly, NaN and infinities by name. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

const encoder = new TextEncoder();
/** Encoding room for `utf8Length` on long strings: made on first need. */
let scratch: Uint8Array | undefined;

/**
 * The UTF-8 length of a string that came from valid UTF-8 (every runtime
 * validates a text frame before handing it over), without encoding it when it
 * is short: each UTF-16 unit is one byte, plus one from U+0080, plus one more
 * from U+0800 except for surrogates (a pair, two units, is four bytes). A
 * long string is encoded in 64 KiB pieces into one reused buffer. Bun and
 * Deno pass their native `Buffer.byteLength` instead (see EchoRuntime).
 */
export function utf8Length(text: string): number {
  const n = text.length;
  if (n > 1024) return encodedLength(text);
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) bytes += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

function encodedLength(text: string): number {
  const room = scratch ??= new Uint8Array(64 * 1024);
  let bytes = 0;
  for (let rest = text;;) {
    const { read, written } = encoder.encodeInto(rest, room);
    bytes += written;
    if (read >= rest.length) return bytes;
    rest = rest.slice(read);
  }
}
