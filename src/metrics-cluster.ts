/**
 * WORKERS > 1: `GET /metrics` describes the whole server, whichever worker
 * answers. Runtime-free; `src/<runtime>/cluster.ts` carries the messages over
 * its own channel (node:cluster's and Bun's IPC, Deno's stdin/stderr lines).
 *
 * Pull, not push: the worker that gets the scrape asks the primary
 * (`scrape`), the primary asks every live worker for its snapshot (`collect`),
 * and answers the sum (`totals`) once all have answered or after
 * COLLECT_DEADLINE_MS. A scrape is therefore exact (it sees every echo that
 * finished before it), nothing crosses a process boundary while nobody
 * scrapes (no timer anywhere), and since only the primary sums, two scrapes
 * answered by different workers can never disagree the way pushed copies
 * relayed at different moments would (a counter seen going down).
 *
 * Counters never go down short of a full restart:
 * - a worker that does not answer in time counts with the last snapshot it
 *   sent (`ws_echo_workers_reporting` says how many answered this time);
 * - a worker that dies leaves its last snapshot to the primary, which keeps
 *   adding it (its open connections and memory set to 0, as they are gone).
 *   What it counted after the last scrape before it died is lost, as its
 *   connections are;
 * - the primary's own CPU and memory are added, and the earliest start time
 *   kept: the primary's, so `process_start_time_seconds` changes only when
 *   the whole server restarts.
 */
import { mergeSnapshots, type MetricsSnapshot, type ProcessMetricsSource, type WorkerCounts } from "./metrics.ts";

/** How long the primary waits for every worker's snapshot before answering without the missing ones. */
export const COLLECT_DEADLINE_MS = 1_000;
/**
 * How long a worker waits for the totals: one collection that may still be
 * running when it asks, its own, and room to spare. Then it answers 503.
 */
export const SCRAPE_DEADLINE_MS = 3_000;
/** Scrapes one worker keeps waiting at once; more get 503 at once (a flood costs the primary nothing). */
export const MAX_PENDING_SCRAPES = 64;
/**
 * The longest message line on a line channel (Deno). A snapshot's label sets
 * are bounded (at most 4,001 close codes), so a real one is far below this.
 */
export const MAX_LINE_BYTES = 1024 * 1024;
/** The prefix of a message line on a line channel (Deno: the worker's stderr, the primary's pipe to its stdin). */
export const METRICS_MARKER = "ws-echo metrics ";

/** What the workers and the primary say to each other. `id` pairs a question with its answer. */
export type MetricsMessage =
  /** worker → primary: a scrape came in; send me the totals. */
  | { type: "ws-echo metrics scrape"; id: number }
  /** primary → worker: send me your snapshot. */
  | { type: "ws-echo metrics collect"; id: number }
  /** worker → primary: my snapshot, for collection `id`. */
  | { type: "ws-echo metrics snapshot"; id: number; snapshot: MetricsSnapshot }
  /** primary → worker: the whole server's, for scrape `id`. */
  | { type: "ws-echo metrics totals"; id: number; snapshot: MetricsSnapshot };

const TYPES = new Set(["scrape", "collect", "snapshot", "totals"].map((t) => `ws-echo metrics ${t}`));

/** Whether `value` is one of our messages (anything else on the channel is someone else's). */
export function isMetricsMessage(value: unknown): value is MetricsMessage {
  if (typeof value !== "object" || value === null) return false;
  const { type, id, snapshot } = value as Record<string, unknown>;
  if (typeof type !== "string" || !TYPES.has(type) || !Number.isSafeInteger(id)) return false;
  const carries = type === "ws-echo metrics snapshot" || type === "ws-echo metrics totals";
  return !carries || (typeof snapshot === "object" && snapshot !== null);
}

/** A message as one line of a line channel (Deno), without its "\n". */
export function encodeLine(message: MetricsMessage): string {
  return METRICS_MARKER + JSON.stringify(message);
}

/** The message in a line of a line channel, or undefined if the line is not one. */
export function decodeLine(line: string): MetricsMessage | undefined {
  if (!line.startsWith(METRICS_MARKER)) return undefined;
  try {
    const value: unknown = JSON.parse(line.slice(METRICS_MARKER.length));
    return isMetricsMessage(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Splits a text stream into lines. A line longer than `max` characters is
 * handed on in pieces of `max`, so that memory stays bounded whatever a
 * process writes (such a piece is no message: `decodeLine` refuses it).
 */
export class LineSplitter {
  #pending = "";
  readonly #max: number;

  constructor(max = MAX_LINE_BYTES) {
    this.#max = max;
  }

  /** The complete lines that `chunk` ends, without their "\n". */
  push(chunk: string): string[] {
    const lines = (this.#pending + chunk).split("\n");
    let pending = lines.pop()!;
    while (pending.length > this.#max) {
      lines.push(pending.slice(0, this.#max));
      pending = pending.slice(this.#max);
    }
    this.#pending = pending;
    return lines;
  }

  /** What is left after the stream ended (no final "\n"). */
  rest(): string {
    const rest = this.#pending;
    this.#pending = "";
    return rest;
  }
}

/** A dead worker's last snapshot, as it keeps counting in the totals: what was open is gone. */
export function retired(snapshot: MetricsSnapshot): MetricsSnapshot {
  return {
    ...snapshot,
    connections: 0,
    ...(snapshot.process ? { process: { ...snapshot.process, residentMemoryBytes: 0 } } : {}),
  };
}

interface Round {
  id: number;
  /** The scrapes this round answers: worker pid and the worker's scrape id. */
  askers: { pid: number; id: number }[];
  /** Workers asked that have not answered yet. */
  waiting: Set<number>;
  reporting: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface AggregatorOptions {
  /** Sends a message to the worker with this pid (the wiring ignores a worker that is gone). */
  send(pid: number, message: MetricsMessage): void;
  /** The primary's own process figures, added to the workers'. */
  process?: ProcessMetricsSource | undefined;
  deadlineMs?: number;
}

/**
 * The primary's side. The wiring tells it which workers serve (`ready`,
 * `exited`, by pid: a replacement has a new pid, and a late line from a dead
 * worker must not count as its replacement's) and hands it every message.
 *
 * One collection runs at a time. Scrapes that arrive meanwhile wait for the
 * next one (not the running one, which may have started before their echoes
 * finished), so however many scrapes come in, the primary sends each worker
 * at most one `collect` per round trip.
 */
export class MetricsAggregator {
  readonly #send: AggregatorOptions["send"];
  readonly #process: ProcessMetricsSource | undefined;
  readonly #deadlineMs: number;
  /** Live workers by pid, with the last snapshot each sent. */
  readonly #workers = new Map<number, { latest: MetricsSnapshot | undefined }>();
  /** The sum of the last snapshots of the workers that died. */
  #retired: MetricsSnapshot = mergeSnapshots([]);
  #round: Round | undefined;
  #queued: Round["askers"] = [];
  #nextId = 1;

  constructor({ send, process, deadlineMs = COLLECT_DEADLINE_MS }: AggregatorOptions) {
    this.#send = send;
    this.#process = process;
    this.#deadlineMs = deadlineMs;
  }

  /** The worker with `pid` serves: it is asked from the next collection on. */
  ready(pid: number): void {
    if (!this.#workers.has(pid)) this.#workers.set(pid, { latest: undefined });
  }

  /** The worker with `pid` is gone: its last snapshot joins the retired sum. */
  exited(pid: number): void {
    const worker = this.#workers.get(pid);
    if (!worker) return;
    this.#workers.delete(pid);
    if (worker.latest) this.#retired = mergeSnapshots([this.#retired, retired(worker.latest)]);
    const round = this.#round;
    if (round?.waiting.delete(pid) && round.waiting.size === 0) this.#finish(round);
  }

  /** A message from the worker with `pid`; anything not ours is ignored. */
  message(pid: number, message: unknown): void {
    if (!isMetricsMessage(message)) return;
    if (message.type === "ws-echo metrics scrape") {
      this.#queued.push({ pid, id: message.id });
      if (!this.#round) this.#start();
    } else if (message.type === "ws-echo metrics snapshot") {
      const worker = this.#workers.get(pid);
      if (!worker) return;
      // A channel keeps its order, so this is newer than what was kept, even if late for its round.
      worker.latest = message.snapshot;
      const round = this.#round;
      if (round?.id === message.id && round.waiting.delete(pid)) {
        round.reporting++;
        if (round.waiting.size === 0) this.#finish(round);
      }
    }
  }

  /** The whole server now, from the last snapshot of every worker, the retired sum and the primary's own process. */
  totals(reporting: number): MetricsSnapshot {
    const parts = [this.#retired];
    for (const { latest } of this.#workers.values()) if (latest) parts.push(latest);
    if (this.#process) parts.push({ ...mergeSnapshots([]), process: this.#process() });
    const workers: WorkerCounts = { live: this.#workers.size, reporting };
    return { ...mergeSnapshots(parts), workers };
  }

  #start(): void {
    const round: Round = {
      id: this.#nextId++,
      askers: this.#queued,
      waiting: new Set(this.#workers.keys()),
      reporting: 0,
      timer: undefined,
    };
    this.#queued = [];
    this.#round = round;
    if (round.waiting.size === 0) return this.#finish(round);
    round.timer = setTimeout(() => this.#finish(round), this.#deadlineMs);
    for (const pid of round.waiting) this.#send(pid, { type: "ws-echo metrics collect", id: round.id });
  }

  #finish(round: Round): void {
    if (this.#round !== round) return;
    clearTimeout(round.timer);
    this.#round = undefined;
    const snapshot = this.totals(round.reporting);
    for (const { pid, id } of round.askers) {
      if (this.#workers.has(pid)) this.#send(pid, { type: "ws-echo metrics totals", id, snapshot });
    }
    if (this.#queued.length > 0) this.#start();
  }
}

/** Why a worker answers a scrape with 503 instead of the totals. */
export class ScrapeUnavailable extends Error {
  override name = "ScrapeUnavailable";
}

export interface WorkerMetricsOptions {
  /** This worker's own counters now (`EchoMetrics.snapshot`). */
  snapshot: () => MetricsSnapshot;
  /** Sends a message to the primary. */
  send(message: MetricsMessage): void;
  deadlineMs?: number;
  maxPending?: number;
}

/**
 * A worker's side: answers the primary's `collect` with its snapshot, and
 * turns a scrape into a question to the primary (`scrape()`).
 */
export class WorkerMetrics {
  readonly #snapshot: () => MetricsSnapshot;
  readonly #send: (message: MetricsMessage) => void;
  readonly #deadlineMs: number;
  readonly #maxPending: number;
  readonly #pending = new Map<
    number,
    { resolve: (s: MetricsSnapshot) => void; timer: ReturnType<typeof setTimeout> }
  >();
  #nextId = 1;

  constructor(
    { snapshot, send, deadlineMs = SCRAPE_DEADLINE_MS, maxPending = MAX_PENDING_SCRAPES }: WorkerMetricsOptions,
  ) {
    this.#snapshot = snapshot;
    this.#send = send;
    this.#deadlineMs = deadlineMs;
    this.#maxPending = maxPending;
  }

  /** A message from the primary; anything not ours is ignored. */
  message(message: unknown): void {
    if (!isMetricsMessage(message)) return;
    if (message.type === "ws-echo metrics collect") {
      this.#send({ type: "ws-echo metrics snapshot", id: message.id, snapshot: this.#snapshot() });
    } else if (message.type === "ws-echo metrics totals") {
      const pending = this.#pending.get(message.id);
      if (!pending) return; // answered too late: that scrape already got its 503
      this.#pending.delete(message.id);
      clearTimeout(pending.timer);
      pending.resolve(message.snapshot);
    }
  }

  /** The whole server's snapshot; rejects with ScrapeUnavailable when the primary does not answer in time. */
  scrape(): Promise<MetricsSnapshot> {
    if (this.#pending.size >= this.#maxPending) {
      return Promise.reject(new ScrapeUnavailable(`${this.#maxPending} scrapes already wait for the primary`));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ScrapeUnavailable(`the primary did not answer within ${this.#deadlineMs} ms`));
      }, this.#deadlineMs);
      this.#pending.set(id, { resolve, timer });
      this.#send({ type: "ws-echo metrics scrape", id });
    });
  }
}
