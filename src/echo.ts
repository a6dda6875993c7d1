import type { WSContext, WSEvents } from "hono/ws";
import { CLOSE_CODES as CLOSE, closeReply } from "./close-codes.ts";
import type { ConnectionRegistry, OpenConnection } from "./connections.ts";
import { FlowControl } from "./flow-control.ts";
import { type KeepAlive, KeptAlive } from "./keep-alive.ts";
import type { ConnectionLimits, IdleOwner, Limits } from "./limits.ts";
import type { Logger } from "./log.ts";
import type { EchoMetrics, MessageCounts } from "./metrics.ts";
import {
  type EchoMessage,
  type EchoMessageEvent,
  type EchoPayload,
  exceeds,
  messageOf,
  toEchoPayload,
  Utf8Text,
} from "./message.ts";
import type { EchoOptions } from "./options.ts";
import type { DataEvents, PongEvents, SocketControl } from "./socket-control.ts";

/** What the echo of one app shares across its connections. */
export interface EchoContext {
  options: Readonly<EchoOptions>;
  connections: ConnectionRegistry;
  /** Pings every connection of the app on one timer. */
  keepAlive: KeepAlive;
  log: Logger;
  /** The app's counters for /metrics; absent with METRICS=off. */
  metrics?: EchoMetrics | undefined;
  /** The runtime's extra abilities for this socket (its entry point provides them). */
  control(ws: WSContext): SocketControl;
  /** The abuse limits (./limits.ts); absent: none. */
  limits?: Limits;
}

let lastId = 0;

/**
 * The echo: every message goes back with its type, in the order received, until
 * the client closes; the client's close code and reason go back in the server's
 * close frame, as in ASP.NET Core's sample. Around it: the size limit (1009),
 * keep-alive pings, flow control, an error in the echo path closing only this
 * connection (1011), and one log line at open and one at close.
 *
 * Called once per connection: the returned object is that connection's state.
 */
export function createEchoEvents(context: EchoContext, remoteAddress?: string): WSEvents {
  return new EchoConnection(context, remoteAddress);
}

/** What few connections need, made on first need (see EchoConnection's fields). */
interface Uncommon {
  /** Made by the first send that finds the send buffer above its high-water mark. */
  flow?: FlowControl;
  /**
   * Set while a Blob is being read: later messages queue behind it so the echo
   * order is the receive order even when one conversion is asynchronous.
   */
  pending?: Promise<void>;
  /**
   * Made at open when MAX_MESSAGES_PER_SECOND or IDLE_TIMEOUT_MS is set: its
   * presence sends every message through #queue, where it is counted, so the
   * message path without limits is unchanged.
   */
  limits?: ConnectionLimits;
}

/**
 * One connection's state in plain fields, its handlers on the prototype: the
 * adapters call them as `events.onMessage(...)`, and a connection costs one
 * object instead of a closure per handler (memory per idle connection counts
 * at 10,000 connections; docs/benchmark-notes.md).
 *
 * Its fields, with KeptAlive's, are 12 at most: on Bun (JavaScriptCore) an
 * object of 12 fields takes 112 bytes of heap and one of 13 or 14 takes 160
 * (test/bun/connection-size.bun-test.ts holds it to that), so what only a few
 * connections use waits in `Uncommon`.
 */
class EchoConnection extends KeptAlive implements WSEvents, PongEvents, DataEvents, OpenConnection, IdleOwner {
  readonly id = ++lastId;
  registrySlot = -1;
  readonly #context: EchoContext;
  /** The client's address: kept only until the open log line, or until close under a per-client limit. */
  #remoteAddress: string | undefined;
  /** `performance.now()` when the handshake was accepted: the handshake's start, then the connection's. */
  readonly #openedAt = performance.now();
  #binaryMessages = 0;
  #textMessages = 0;
  #bytes = 0;
  /** Set by onOpen, which runs before any message. */
  #control: SocketControl | undefined;
  #uncommon: Uncommon | undefined;

  constructor(context: EchoContext, remoteAddress: string | undefined) {
    super();
    this.#context = context;
    this.#remoteAddress = remoteAddress;
  }

  /** Starts the closing handshake (the registry's shutdown calls it). */
  close(code: number, reason: string): void {
    this.#control?.close(code, reason);
  }

  onOpen(_event: Event, ws: WSContext): void {
    this.#open(ws);
  }

  #open(ws: WSContext): SocketControl {
    const { connections, keepAlive, log } = this.#context;
    const control = this.#context.control(ws);
    this.#control = control;
    if (control.ping) keepAlive.watch(this);
    connections.add(this);
    this.#context.metrics?.opened((performance.now() - this.#openedAt) / 1000);
    log.info("ws open", { id: this.id, remote: this.#remoteAddress, protocol: ws.protocol || undefined });
    const limits = this.#context.limits;
    const state = limits?.open(this, this.#remoteAddress);
    if (state !== undefined) (this.#uncommon ??= {}).limits = state;
    if (limits?.clients === undefined) this.#remoteAddress = undefined;
    return control;
  }

  onMessage(event: MessageEvent, ws: WSContext): void {
    this.onData(messageOf(event as EchoMessageEvent), ws);
  }

  onData(data: EchoMessage, ws: WSContext): void {
    try {
      // Workers have no open event: the first message opens the connection.
      const control = this.#control ?? this.#open(ws);
      const max = this.#context.options.maxMessageSize;
      // A string, a Uint8Array (Node's and Bun's binary, a Buffer) and an
      // ArrayBuffer (Deno's and workerd's binary) need no conversion
      // (toEchoPayload passes them as they are): their type is looked at once
      // here, not again at each step, and the rest waits in #otherMessage and
      // #queue. This is the hot path (docs/benchmark-notes.md).
      if (typeof data === "string") {
        this.#textMessages++;
        this.#context.metrics?.receivedText(data);
        // Most text is under a third of the limit, which its length alone tells (see
        // `exceeds`), so most strings skip the call.
        if (data.length * 3 > max && exceeds(data, max)) return this.#tooBig(ws, max);
      } else if (data instanceof Uint8Array || data instanceof ArrayBuffer) {
        this.#binaryMessages++;
        this.#bytes += data.byteLength;
        if (data.byteLength > max) return this.#tooBig(ws, max);
      } else return this.#otherMessage(data, ws, max);
      if (this.#uncommon !== undefined) return this.#queue(data as EchoPayload, ws);
      // #send, without the questions whose answers are known here (no Utf8Text,
      // no flow control yet).
      if (ws.readyState !== 1) return;
      ws.send(data as string | ArrayBuffer | Uint8Array<ArrayBuffer>);
      if (FlowControl.needed(control)) this.#afterSend(ws, control);
    } catch (error) {
      this.#fail(ws, error);
    }
  }

  /** A message of another shape: UTF-8 text bytes (Node), a Blob (Workers), another view. */
  #otherMessage(data: Exclude<EchoMessage, string | Uint8Array | ArrayBuffer>, ws: WSContext, max: number): void {
    if (data instanceof Utf8Text) {
      this.#textMessages++;
      const metrics = this.#context.metrics;
      if (metrics) metrics.textBytes += data.bytes.byteLength;
    } else {
      this.#binaryMessages++;
      this.#bytes += data instanceof Blob ? data.size : data.byteLength;
    }
    if (exceeds(data, max)) return this.#tooBig(ws, max);
    this.#queue(toEchoPayload(data), ws);
  }

  /**
   * Sends now unless an earlier message is still being read (a Blob): then
   * after it, so the echo order is the receive order.
   */
  #queue(payload: EchoPayload | Promise<EchoPayload>, ws: WSContext): void {
    const limits = this.#uncommon?.limits;
    if (limits !== undefined && !limits.admit()) return this.#overRate(ws);
    if (this.#uncommon?.pending === undefined && !(payload instanceof Promise)) return this.#send(ws, payload);
    const uncommon = this.#uncommon ??= {};
    const sent: Promise<void> = (uncommon.pending ?? Promise.resolve())
      .then(() => payload)
      .then((bytes) => this.#send(ws, bytes))
      .catch((error: unknown) => this.#fail(ws, error))
      .finally(() => {
        if (uncommon.pending === sent) uncommon.pending = undefined;
      });
    uncommon.pending = sent;
  }

  #tooBig(ws: WSContext, max: number): void {
    ws.close(CLOSE.messageTooBig, `message exceeds ${max} bytes`);
  }

  /** Over MAX_MESSAGES_PER_SECOND: this message and any after it are not echoed. */
  #overRate(ws: WSContext): void {
    if (ws.readyState !== 1) return;
    const reason = this.#context.limits!.rateReason;
    this.#context.log.info("ws rate limit", { id: this.id, reason });
    ws.close(CLOSE.policyViolation, reason);
  }

  /**
   * No message for IDLE_TIMEOUT_MS: 1001 Going Away, the server leaving a
   * connection it no longer serves (as on shutdown), not 1000, which says the
   * conversation reached its end (docs/security.md).
   */
  onIdleTimeout(): void {
    const timeoutMs = this.#context.options.idleTimeout;
    this.#context.log.info("ws idle timeout", { id: this.id, timeoutMs });
    this.#control?.close(CLOSE.goingAway, `no message for ${timeoutMs} ms (IDLE_TIMEOUT_MS)`);
  }

  onClose(event: CloseEvent, ws: WSContext): void {
    const { connections, keepAlive, log } = this.#context;
    keepAlive.unwatch(this);
    this.#uncommon?.flow?.stop();
    connections.delete(this);
    const code = this.timedOut ? CLOSE.abnormal : event.code;
    this.#context.metrics?.closed(code, this);
    this.#context.limits?.close(this.#uncommon?.limits, this.#remoteAddress, this.#control !== undefined);
    log.info("ws close", {
      id: this.id,
      code,
      reason: event.reason || undefined,
      durationMs: Math.round(performance.now() - this.#openedAt),
      messages: this.#textMessages + this.#binaryMessages,
      textMessages: this.#textMessages,
      bytes: this.#bytes,
    });
    // Node's ws, Bun and Deno answer the client's close themselves (validating the
    // code first): the socket is CLOSED here. On Workers the answer is ours
    // (web_socket_manual_reply_to_close in wrangler.toml, so that a reserved code
    // is not echoed): the socket is still CLOSING and must get a close frame.
    if (this.timedOut || ws.readyState === 3) return;
    const reply = closeReply(event.code, event.reason);
    try {
      if (reply.code === undefined) ws.close();
      else ws.close(reply.code, reply.reason);
    } catch (error) {
      // A close left unanswered hangs the client: an empty close frame is always allowed.
      log.warn("ws close reply failed", { id: this.id, code: reply.code, error: (error as Error).message });
      ws.close();
    }
  }

  /** Its message counts, for /metrics: the ones its close log line reports. */
  countInto(totals: MessageCounts): void {
    totals.textMessages += this.#textMessages;
    totals.binaryMessages += this.#binaryMessages;
    totals.binaryBytes += this.#bytes;
  }

  protected sendPing(): void {
    this.#control!.ping!(); // watched only where the runtime can ping
  }

  /** No pong within KEEP_ALIVE_TIMEOUT_MS of a ping: the peer is gone, no closing handshake. */
  onKeepAliveTimeout(): void {
    const metrics = this.#context.metrics;
    if (metrics) metrics.keepAliveTimeouts++;
    this.#context.log.info("ws keep-alive timeout", { id: this.id, timeoutMs: this.#context.options.keepAliveTimeout });
    this.#control?.terminate();
  }

  onError(event: Event, _ws: WSContext): void {
    const error = (event as ErrorEvent).error ?? (event as ErrorEvent).message;
    this.#context.log.warn("ws error", {
      id: this.id,
      error: error instanceof Error ? error.message : String(error ?? ""),
    });
  }

  #send(ws: WSContext, payload: EchoPayload): void {
    if (ws.readyState !== 1) return;
    const control = this.#control!;
    if (!(payload instanceof Utf8Text)) ws.send(payload);
    else if (control.sendText) control.sendText(payload.bytes);
    else ws.send(payload.decode());
    this.#afterSend(ws, control);
  }

  /** Flow control after a send (see ./flow-control.ts). */
  #afterSend(ws: WSContext, control: SocketControl): void {
    let flow = this.#uncommon?.flow;
    if (flow === undefined) {
      if (!FlowControl.needed(control)) return;
      flow = (this.#uncommon ??= {}).flow = new FlowControl(control, this.#context.metrics);
    }
    if (flow.afterSend() === "close") {
      ws.close(CLOSE.policyViolation, "send buffer full: the client is not reading");
    }
  }

  #fail(ws: WSContext, error: unknown): void {
    const metrics = this.#context.metrics;
    if (metrics) metrics.errors++;
    this.#context.log.error("ws echo failed", {
      id: this.id,
      error: error instanceof Error ? error.stack ?? error.message : String(error),
    });
    if (ws.readyState === 1) ws.close(CLOSE.internalError, "internal error");
  }
}
