/**
 * The storm mode's client side (bench/storm.ts runs the procedure): a set of
 * connections, each echoing once; once armed, every connection the server
 * closes reconnects with jittered backoff, as a client library does, and
 * echoes once more. Runs in a load client process (bench/client.ts).
 */
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { closePayload, encodeFrame, Opcode } from "../test/harness/frames.ts";
import { buildRing, type MessageRing } from "./frames.ts";
import { open } from "./load.ts";
import { EchoVerifier } from "./verifier.ts";

/**
 * The reconnect schedule: the first attempt at a random moment within
 * FIRST_JITTER_MS of the close (so 10,000 clients do not all dial in the same
 * millisecond, but within one second), then, after each failed attempt,
 * "full jitter" exponential backoff: a random delay below
 * min(RETRY_CAP_MS, RETRY_BASE_MS × 2^attempt).
 */
export const STORM_BACKOFF = { firstJitterMs: 1_000, retryBaseMs: 250, retryCapMs: 4_000 } as const;
/** A handshake not answered within this is a failed attempt (then retried). */
const ATTEMPT_TIMEOUT_MS = 10_000;

/** Wall-clock milliseconds comparable across processes (the runner's and the clients'). */
export const epochMs = (): number => performance.timeOrigin + performance.now();

export interface StormStats {
  /** Connections in this client's share. */
  connections: number;
  /** Of them, echoing again after the storm. */
  echoedAgain: number;
  /** When the last of them echoed again (epochMs), or 0. */
  lastEchoAt: number;
  /** The close codes the old server sent, by code ("none": the TCP connection ended without a close frame). */
  closeCodes: Record<string, number>;
  /** Connection attempts after the storm, and how many of them failed. */
  attempts: number;
  failed: number;
  /** The most attempts one connection needed. */
  maxAttempts: number;
}

class StormConnection {
  #socket: Socket | undefined;
  #verifier: EchoVerifier | undefined;
  #closeCode: number | undefined;
  #attempts = 0;
  /** After `arm`: a close is the storm, and starts the reconnection. */
  armed = false;
  /** Echoed since the last (re)connect. */
  echoed = false;
  echoedAt = 0;
  stopped = false;

  constructor(readonly storm: StormClient) {}

  /** Connects, sends one message and resolves once its echo came back verified. */
  async connect(): Promise<void> {
    const { socket, leftover } = await open(this.storm.host, this.storm.port, ATTEMPT_TIMEOUT_MS);
    this.#socket = socket;
    this.#closeCode = undefined;
    this.echoed = false;
    const ring = this.storm.ring;
    const echoed = new Promise<void>((resolve, reject) => {
      const verifier = new EchoVerifier(ring, {
        onPing: (payload) => socket.write(encodeFrame(Opcode.pong, payload)),
        onClose: (code) => {
          this.#closeCode = code;
          // The client's half of the closing handshake.
          socket.end(encodeFrame(Opcode.close, closePayload(code === 1005 ? 1000 : code)));
        },
      });
      this.#verifier = verifier;
      const onData = (chunk: Buffer) => {
        try {
          if (verifier.push(chunk) > 0 && !this.echoed) {
            this.echoed = true;
            this.echoedAt = epochMs();
            resolve();
          }
        } catch (error) {
          socket.destroy();
          reject(error);
        }
      };
      socket.on("data", onData);
      socket.on("error", () => {});
      socket.once("close", () => {
        if (!this.echoed) reject(new Error("closed before its echo"));
        this.#onClosed();
      });
      if (leftover.length > 0) onData(leftover);
    });
    this.#verifier!.sent = 1;
    socket.write(ring.wire.subarray(ring.offsets[0]!, ring.offsets[1]!));
    await echoed;
  }

  #onClosed(): void {
    if (this.stopped || !this.armed || !this.echoed) return;
    this.storm.recordClose(this.#closeCode);
    this.#attempts = 0;
    this.echoed = false;
    this.#retryAfter(Math.random() * STORM_BACKOFF.firstJitterMs);
  }

  #retryAfter(ms: number): void {
    setTimeout(() => {
      if (this.stopped) return;
      this.#attempts++;
      this.storm.attempts++;
      this.storm.maxAttempts = Math.max(this.storm.maxAttempts, this.#attempts);
      this.connect().then(
        () => this.storm.echoedAgain(),
        () => {
          this.storm.failed++;
          if (this.echoed) return; // closed after its echo: the close handler reconnects
          const cap = Math.min(STORM_BACKOFF.retryCapMs, STORM_BACKOFF.retryBaseMs * 2 ** this.#attempts);
          this.#retryAfter(Math.random() * cap);
        },
      );
    }, ms);
  }

  close(): void {
    this.stopped = true;
    this.#socket?.destroy();
  }
}

export class StormClient {
  readonly ring: MessageRing = buildRing(1, 64);
  connections: StormConnection[] = [];
  attempts = 0;
  failed = 0;
  maxAttempts = 0;
  readonly #codes: Record<string, number> = {};
  #again = 0;
  #waiter: (() => void) | undefined;

  constructor(readonly host: string, readonly port: number) {}

  /** Opens `count` connections, `concurrency` handshakes at a time, each echoing once; returns the seconds it took. */
  async open(count: number, concurrency: number): Promise<number> {
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        const connection = new StormConnection(this);
        this.connections.push(connection);
        await connection.connect();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    return (performance.now() - started) / 1000;
  }

  /** From now on a close is the storm: every connection reconnects. */
  arm(): void {
    for (const c of this.connections) c.armed = true;
  }

  recordClose(code: number | undefined): void {
    const key = code === undefined ? "none" : String(code);
    this.#codes[key] = (this.#codes[key] ?? 0) + 1;
  }

  echoedAgain(): void {
    this.#again++;
    if (this.#again >= this.connections.length) this.#waiter?.();
  }

  /** Resolves once every connection echoed again, or at the deadline; never rejects. */
  async wait(timeoutMs: number): Promise<StormStats> {
    if (this.#again < this.connections.length) {
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
        setTimeout(resolve, timeoutMs);
      });
    }
    return {
      connections: this.connections.length,
      echoedAgain: this.connections.filter((c) => c.echoed).length,
      lastEchoAt: Math.max(0, ...this.connections.filter((c) => c.echoed).map((c) => c.echoedAt)),
      closeCodes: { ...this.#codes },
      attempts: this.attempts,
      failed: this.failed,
      maxAttempts: this.maxAttempts,
    };
  }

  close(): void {
    for (const c of this.connections) c.close();
    this.connections = [];
  }
}
