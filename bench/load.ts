/**
 * The load client: WebSocket connections written by hand over `node:net`
 * (the handshake, pre-masked frames from a `MessageRing`), each echo checked by
 * an `EchoVerifier` as it arrives. One instance drives one process's share of
 * a run; `bench/client.ts` runs it in a child process, the smoke test in-process.
 */
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { closePayload, encodeFrame, Opcode } from "../test/harness/frames.ts";
import {
  acceptedDeflate,
  CompressedEchoes,
  DEFLATE_OFFER,
  type DeflateTerms,
  type DeflateUse,
  THRESHOLD_BYTES,
} from "./compression.ts";
import { buildRing, deflateRing, handshake, type MessageRing, type PayloadKind } from "./frames.ts";
import { Histogram } from "./stats.ts";
import { EchoError, EchoVerifier } from "./verifier.ts";

export interface LoadSpec {
  connections: number;
  payloadBytes: number;
  /** Messages in flight per connection; for `stream`, the safety cap on unanswered messages. */
  window: number;
  /** `window`: refill as echoes return. `stream`: write whenever the socket accepts more (TCP backpressure only). */
  pacing: "window" | "stream";
  /** Distinct messages in the ring (at least `window`). */
  ringSize: number;
  /** What the messages hold (`mixed` when absent; bench/frames.ts). */
  payload?: PayloadKind;
  /**
   * Offer permessage-deflate (bench/compression.ts): where a connection's 101
   * accepts it, the connection sends its messages deflated and reads its
   * echoes inflated; `require` fails a connection whose server declines.
   */
  deflate?: DeflateUse;
}

/** Writes this many frames at most per `write` in stream pacing. */
const STREAM_BATCH = 256;

/** One client connection after its handshake. */
class Connection {
  readonly verifier: EchoVerifier;
  readonly #socket: Socket;
  readonly #ring: MessageRing;
  readonly #load: LoadClient;
  readonly #sentAt: Float64Array;
  #waitingDrain = false;
  closing = false;
  closed: Promise<void>;

  constructor(socket: Socket, ring: MessageRing, load: LoadClient, leftover: Buffer, deflate?: DeflateTerms) {
    this.#socket = socket;
    this.#ring = ring;
    this.#load = load;
    this.#sentAt = new Float64Array(ring.size);
    this.verifier = new EchoVerifier(ring, {
      onPing: (payload) => socket.write(encodeFrame(Opcode.pong, payload)),
      onClose: (code, reason) => {
        if (!this.closing) this.#fail(new EchoError(`the server closed the connection: ${code} ${reason}`));
      },
    }, deflate && { terms: deflate, echoes: load.compressedEchoes!, compressedFrom: load.compressedFrom });
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("close", () => {
      if (!this.closing) {
        this.#fail(
          new EchoError(
            `the server dropped the connection after ${this.verifier.received} of ${this.verifier.sent} echoes`,
          ),
        );
      }
    });
    if (leftover.length > 0) this.#onData(leftover);
  }

  get outstanding(): number {
    return this.verifier.sent - this.verifier.received;
  }

  /** Sends the next `n` messages of the ring: one `write` per contiguous run of frames. */
  send(n: number): boolean {
    const ring = this.#ring;
    const v = this.verifier;
    const now = this.#load.recording ? performance.now() : 0;
    let ok = true;
    while (n > 0) {
      const slot = v.sent % ring.size;
      const run = Math.min(n, ring.size - slot);
      // 0 while not recording: a slot's old time must not stand for a message sent in an unrecorded stretch.
      this.#sentAt.fill(now, slot, slot + run);
      ok = this.#socket.write(ring.wire.subarray(ring.offsets[slot]!, ring.offsets[slot + run]!));
      v.sent += run;
      n -= run;
    }
    return ok;
  }

  /** Stream pacing: writes while the socket takes more and the safety cap allows. */
  pump(): void {
    if (this.#waitingDrain || !this.#load.sending) return;
    const room = this.#load.spec.window - this.outstanding;
    if (room < STREAM_BATCH / 4) return;
    if (!this.send(Math.min(room, STREAM_BATCH))) {
      this.#waitingDrain = true;
      this.#socket.once("drain", () => {
        this.#waitingDrain = false;
        this.pump();
      });
    }
  }

  #onData(chunk: Buffer): void {
    let completed: number;
    try {
      completed = this.verifier.push(chunk);
    } catch (error) {
      this.#fail(error as Error);
      return;
    }
    if (completed === 0) return;
    const load = this.#load;
    load.received += completed;
    if (load.recording) {
      const now = performance.now();
      const size = this.#ring.size;
      for (let r = this.verifier.received - completed; r < this.verifier.received; r++) {
        const at = this.#sentAt[r % size]!;
        if (at > 0) load.latency.add((now - at) * 1000);
      }
    }
    if (!load.sending) load.checkDrained();
    else if (load.spec.pacing === "window") this.send(completed);
    else this.pump();
  }

  #fail(error: Error): void {
    this.#load.fail(error);
    this.#socket.destroy();
  }

  close(): Promise<void> {
    this.closing = true;
    if (!this.#socket.destroyed) {
      this.#socket.write(encodeFrame(Opcode.close, closePayload(1000)));
      this.#socket.end();
      const timer = setTimeout(() => this.#socket.destroy(), 3_000);
      void this.closed.then(() => clearTimeout(timer));
    }
    return this.closed;
  }

  destroy(): void {
    this.closing = true;
    this.#socket.destroy();
  }
}

/**
 * Opens one connection and completes its handshake; resolves with the bytes
 * that followed the 101 and its `Sec-WebSocket-Extensions`, if any.
 */
export function open(
  host: string,
  port: number,
  timeoutMs: number,
  extensions?: string,
): Promise<{ socket: Socket; leftover: Buffer; extensions: string | undefined }> {
  const { request, accept } = handshake(host, port, extensions);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    let head: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`no handshake answer within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once("connect", () => socket.write(request));
    socket.on("error", fail);
    socket.once("close", () => fail(new Error("closed during the handshake")));
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > 16_384) fail(new Error("handshake answer too long"));
        return;
      }
      const text = head.subarray(0, end).toString("latin1");
      if (!text.startsWith("HTTP/1.1 101")) return fail(new Error(`handshake refused: ${text.split("\r\n")[0]}`));
      const got = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(text)?.[1];
      if (got !== accept) return fail(new Error(`wrong Sec-WebSocket-Accept: ${got}`));
      const accepted = /\r\nsec-websocket-extensions:[ \t]*([^\r]*)/i.exec(text)?.[1]?.trim();
      clearTimeout(timer);
      socket.off("data", onData);
      socket.removeAllListeners("close");
      socket.removeAllListeners("error");
      socket.on("error", () => {}); // reported by the "close" that follows
      resolve({ socket, leftover: head.subarray(end + 4), extensions: accepted });
    };
    socket.on("data", onData);
  });
}

export interface Mark {
  received: number;
  /** performance.now(), ms */
  wallMs: number;
  /** process.cpuUsage(), user + system, µs */
  cpuUs: number;
}

/** What the load clients did between two marks of the same window, summed over the clients. */
export interface MarkedWindow {
  messages: number;
  msgsPerSec: number;
  /** The busiest client's share of a core. */
  clientCpu: number;
}

/**
 * The window between each client's first and second mark (`m0[i]`, `m1[i]`), as
 * the bench's modes report it; a window with no echo at all is an error rather
 * than a rate of zero.
 */
export function markedWindow(m0: readonly Mark[], m1: readonly Mark[]): MarkedWindow {
  let messages = 0;
  let msgsPerSec = 0;
  let clientCpu = 0;
  m1.forEach((end, i) => {
    const start = m0[i]!;
    const seconds = (end.wallMs - start.wallMs) / 1000;
    messages += end.received - start.received;
    msgsPerSec += (end.received - start.received) / seconds;
    clientCpu = Math.max(clientCpu, (end.cpuUs - start.cpuUs) / 1e6 / seconds);
  });
  if (messages === 0) throw new Error("no echo at all during the measured window");
  return { messages, msgsPerSec, clientCpu };
}

export class LoadClient {
  readonly spec: LoadSpec;
  readonly ring: MessageRing;
  /** `ring` deflated, for the connections that negotiated permessage-deflate (`spec.deflate`). */
  readonly deflatedRing: MessageRing | undefined;
  /** The compressed echoes verified so far, shared by the connections (bench/compression.ts). */
  readonly compressedEchoes: CompressedEchoes | undefined;
  /** With `deflate: "require"`, echoes from this size up must come back compressed (the servers' threshold). */
  readonly compressedFrom: number | undefined;
  /** Connections whose 101 accepted permessage-deflate. */
  compressedConnections = 0;
  /** Echo latencies since the last `mark(true)`. */
  latency = new Histogram();
  /** Handshake time of each connection, from `connect()` to a verified 101. */
  readonly handshakes = new Histogram();
  connections: Connection[] = [];
  received = 0;
  sending = false;
  recording = false;
  /** The first failure: it fails the whole run. */
  error: Error | undefined;
  #drained: (() => void) | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    spec: LoadSpec,
  ) {
    this.spec = spec;
    this.ring = buildRing(Math.max(spec.ringSize, spec.window), spec.payloadBytes, spec.payload);
    this.deflatedRing = spec.deflate ? deflateRing(this.ring) : undefined;
    this.compressedEchoes = spec.deflate ? new CompressedEchoes(this.ring.size) : undefined;
    this.compressedFrom = spec.deflate === "require" ? THRESHOLD_BYTES : undefined;
  }

  fail(error: Error): void {
    this.error ??= error;
    this.#drained?.();
  }

  /** Opens `count` connections, at most `concurrency` handshakes at a time; returns the seconds it took. */
  async open(count = this.spec.connections, concurrency = 64, timeoutMs = 30_000): Promise<number> {
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < count && !this.error) {
        const index = ++next;
        const t0 = performance.now();
        const offer = this.spec.deflate ? DEFLATE_OFFER : undefined;
        const { socket, leftover, extensions } = await open(this.host, this.port, timeoutMs, offer).catch(
          (error: Error) => {
            throw new Error(`handshake ${index} of ${count} (${this.connections.length} open): ${error.message}`);
          },
        );
        this.handshakes.add((performance.now() - t0) * 1000);
        let terms: DeflateTerms | undefined;
        try {
          terms = this.#terms(extensions);
        } catch (error) {
          socket.destroy();
          throw new EchoError(`handshake ${index} of ${count}: ${(error as Error).message}`);
        }
        if (terms) this.compressedConnections++;
        const ring = terms ? this.deflatedRing! : this.ring;
        this.connections.push(new Connection(socket, ring, this, leftover, terms));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    this.#check();
    return (performance.now() - started) / 1000;
  }

  /** The terms a 101 accepted, undefined for plain frames; throws where the answer makes the run meaningless. */
  #terms(extensions: string | undefined): DeflateTerms | undefined {
    if (!this.spec.deflate) {
      if (extensions) throw new Error(`the server accepted "${extensions}", which was never offered`);
      return undefined;
    }
    const terms = acceptedDeflate(extensions);
    if (!terms && this.spec.deflate === "require") {
      throw new Error(
        "the server declined permessage-deflate (no Sec-WebSocket-Extensions in its 101): a compressed line " +
          "needs it negotiated with both servers (COMPRESSION=on for ours, NATIVE_COMPRESSION for the native one)",
      );
    }
    return terms;
  }

  start(): void {
    this.sending = true;
    for (const c of this.connections) {
      if (this.spec.pacing === "window") c.send(this.spec.window);
      else c.pump();
    }
  }

  mark(recording: boolean): Mark {
    this.#check();
    if (recording) this.latency = new Histogram();
    this.recording = recording;
    const cpu = process.cpuUsage();
    return { received: this.received, wallMs: performance.now(), cpuUs: cpu.user + cpu.system };
  }

  /** Stops sending and waits until every message sent has come back verified. */
  async stop(timeoutMs = 20_000): Promise<void> {
    this.sending = false;
    this.recording = false;
    const done = new Promise<void>((resolve) => (this.#drained = resolve));
    this.checkDrained();
    const timer = setTimeout(() => this.#drained?.(), timeoutMs);
    await done;
    clearTimeout(timer);
    this.#check();
    const missing = this.connections.reduce((sum, c) => sum + c.outstanding, 0);
    if (missing > 0) throw new EchoError(`${missing} echoes never came back within ${timeoutMs} ms`);
  }

  checkDrained(): void {
    if (this.#drained && this.connections.every((c) => c.outstanding === 0)) this.#drained();
  }

  /** Sends one message on every connection and waits for every echo: all of them held and echoing. */
  async echoOnce(timeoutMs = 30_000): Promise<void> {
    for (const c of this.connections) c.send(1);
    await this.stop(timeoutMs);
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.close()));
    this.connections = [];
  }

  destroy(): void {
    for (const c of this.connections) c.destroy();
    this.connections = [];
  }

  #check(): void {
    if (this.error) throw this.error;
  }
}
