// Bun: `Bun.serve` with its WebSocket handlers, through our own upgrade helper.
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { getBunServer, getConnInfo } from "hono/bun";
import {
  defineWebSocketHelper,
  type UpgradeWebSocket,
  WSContext,
  type WSEvents,
  type WSMessageReceive,
  type WSReadyState,
} from "hono/ws";
import { Buffer } from "node:buffer";
import process from "node:process";
import { CLOSE_CODES } from "../close-codes.ts";
import { compressesMessage } from "../compression.ts";
import { selectSubprotocol } from "../handshake.ts";
import { HIGH_WATER_MARK } from "../flow-control.ts";
import { processMetricsOf } from "../metrics.ts";
import type { EchoOptions } from "../options.ts";
import type { EchoRuntime, UpgradeOptions } from "../runtime.ts";
import type { DataEvents, PongEvents, SocketControl } from "../socket-control.ts";
import { UNUSED_INIT } from "../unused-init.ts";
import { UpgradeAnswered } from "../upgrade.ts";

type BunSocket = ServerWebSocket<SocketData>;

/**
 * `upgradeWebSocket` on Hono's `defineWebSocketHelper`, in the shape of
 * `hono/bun`'s. Why not that one: it cannot answer a sub-protocol of the
 * server's choosing (Bun then echoes the client's first), it has no pong
 * event for keep-alive, and it builds a WSContext per event.
 */
export const upgradeWebSocket: UpgradeWebSocket<BunSocket, UpgradeOptions> = defineWebSocketHelper<
  BunSocket,
  UpgradeOptions
>(
  (c, events, options) => {
    const server = getBunServer<Server<SocketData>>(c);
    if (!server) throw new TypeError("Bun.serve must pass its server to app.fetch as the second argument");
    const offered = c.req.raw.headers.get("sec-websocket-protocol");
    const protocol = offered === null ? undefined : selectSubprotocol(offered, options?.subprotocols ?? []);
    const data = options?.compression
      ? new CompressingSocketData(events, protocol ?? null, options.compressionThreshold)
      : new SocketData(events, protocol ?? null);
    // Without the header Bun answers the client's first offer, spoken or not; an
    // empty value makes it answer none. A client that offers none (most) needs
    // no header: no headers object for Bun to read then.
    const upgraded = offered === null
      ? server.upgrade(c.req.raw, { data })
      : server.upgrade(c.req.raw, { data, headers: { "Sec-WebSocket-Protocol": protocol ?? "" } });
    // Bun has written the 101 itself; the Response returned here is not sent.
    if (upgraded) return new UpgradeAnswered();
    return new Response("WebSocket upgrade failed\n", { status: 400 });
  },
);

/**
 * What each Bun socket carries in `ws.data`: the socket's one WSContext
 * (`hono/bun` builds one per event), with its events, and the echo's
 * SocketControl. One object per connection where there were four (a data
 * object, a handle, a WSContext and its init), its methods on the prototype:
 * memory per idle connection is a target, and Bun itself keeps a good part of
 * it (docs/benchmark-notes.md).
 *
 * The context's `url` is null, for the reason in ../standard-websocket.ts.
 */
export class SocketData extends WSContext<BunSocket> implements SocketControl {
  /** Set in `open`, before any event reaches the echo. */
  declare raw: BunSocket;
  /**
   * The socket's state kept in JavaScript, so that the echo's `readyState`
   * and `bufferedAmount` per message cost no call into Bun: `send` already
   * says how it went.
   * The WebSocket API's readyState (0 connecting, 1 open, 2 closing,
   * 3 closed), except -1: open, and the last `send` was queued behind
   * backpressure (only then is the send buffer worth asking about). Bun
   * delivers no message once the socket is closing or closed, and every close
   * passes through `close`, `terminate` or the close handler.
   */
  #state = 0;

  constructor(readonly events: WSEvents<BunSocket>, protocol: string | null) {
    super(UNUSED_INIT);
    this.protocol = protocol;
  }

  override send(data: string | ArrayBuffer | Uint8Array<ArrayBuffer>): void {
    // Bun's `sendText`/`sendBinary`, not `send`, which looks at the type again inside Bun.
    const sent = typeof data === "string" ? this.raw.sendText(data) : this.raw.sendBinary(data);
    this.sent(sent, data);
  }
  /** What a send's answer says about the socket. */
  protected sent(sent: number, data: string | ArrayBuffer | Uint8Array): void {
    // Bun answers the payload bytes it wrote, -1 when it queued them behind
    // backpressure, and 0 when it dropped the message (past backpressureLimit):
    // never silently. An empty message written is 0 too (issue #32), so for one
    // the buffer decides: Bun drops only above backpressureLimit, which
    // `websocketHandler` sets above 2 × HIGH_WATER_MARK.
    if (sent === 0 && (!isEmpty(data) || this.raw.getBufferedAmount() > 2 * HIGH_WATER_MARK)) {
      this.close(CLOSE_CODES.policyViolation, "send buffer full: the client is not reading");
    } else if (this.#state < 2) this.#state = sent < 0 ? -1 : 1;
  }
  override close(code?: number, reason?: string): void {
    this.raw.close(code, reason);
    if (this.#state < 2) this.#state = 2;
  }
  override get readyState(): WSReadyState {
    return (this.#state < 0 ? 1 : this.#state) as WSReadyState;
  }
  get bufferedAmount(): number {
    // A send that returned bytes written left nothing queued (Bun's docs for `send`).
    return this.#state < 0 ? this.raw.getBufferedAmount() : 0;
  }
  terminate(): void {
    this.raw.terminate();
    if (this.#state < 2) this.#state = 2;
  }
  ping(): void {
    this.raw.ping();
  }
  pause(): void {
    this.raw.pause();
  }
  resume(): void {
    this.raw.resume();
  }
  /** Bun's open handler: the socket is open. */
  opened(raw: BunSocket): void {
    this.raw = raw;
    this.#state = 1;
  }
  /** Bun's close handler: the socket is closed. */
  closed(): void {
    this.#state = 3;
  }
}

/**
 * A socket's data with COMPRESSION on: Bun compresses a message only when
 * `send` asks it to, so messages from COMPRESSION_THRESHOLD_BYTES up ask
 * (../compression.ts); without the extension negotiated Bun sends as is. A
 * class of its own, so that the uncompressed path does no work per message.
 */
class CompressingSocketData extends SocketData {
  constructor(events: WSEvents<BunSocket>, protocol: string | null, readonly threshold: number) {
    super(events, protocol);
  }

  override send(data: string | ArrayBuffer | Uint8Array<ArrayBuffer>): void {
    const compress = compressesMessage(data, this.threshold, Buffer.byteLength);
    const sent = typeof data === "string" ? this.raw.sendText(data, compress) : this.raw.sendBinary(data, compress);
    this.sent(sent, data);
  }
}

function isEmpty(data: string | ArrayBuffer | Uint8Array): boolean {
  return (typeof data === "string" ? data.length : data.byteLength) === 0;
}

/**
 * The `websocket` option of `Bun.serve`, configured from the options of the
 * echo apps it serves (`createEchoApp` or `createApp`): Bun's handlers are
 * server-wide, so with several apps the largest size limit is Bun's, and each
 * app's own is enforced by its echo (1009).
 */
export function websocketHandler(
  ...apps: { readonly settings: Readonly<EchoOptions> }[]
): WebSocketHandler<SocketData> {
  if (apps.length === 0) throw new TypeError("websocketHandler needs the echo app(s) it serves, for their options");
  const maxMessageSize = Math.max(...apps.map((app) => app.settings.maxMessageSize));
  // Bun negotiates permessage-deflate server-wide, so the apps must agree on it.
  const compression = apps[0]!.settings.compression;
  if (apps.some((app) => app.settings.compression !== compression)) {
    throw new TypeError("websocketHandler: the echo apps disagree on compression, which Bun negotiates server-wide");
  }
  return {
    open: (ws) => {
      const data = ws.data; // a getter into Bun: read once per event
      data.opened(ws);
      data.events.onOpen?.(new Event("open"), data);
    },
    // Binary arrives as a Buffer (a Uint8Array view): passed on as it is (see ../message.ts).
    // The echo takes the data alone (`DataEvents`); other events get a plain `{ data }`,
    // not a MessageEvent, which is slow to build in Bun (docs/benchmark-notes.md).
    message: (ws, message) => {
      const data = ws.data;
      const events: WSEvents<BunSocket> & DataEvents = data.events;
      if (events.onData !== undefined) events.onData(message, data);
      else events.onMessage?.({ data: message as unknown as WSMessageReceive } as MessageEvent, data);
    },
    close: (ws, code, reason) => {
      const data = ws.data;
      data.closed();
      data.events.onClose?.(Object.assign(new Event("close"), { code, reason }) as CloseEvent, data);
    },
    pong: (ws) => (ws.data.events as PongEvents).onPong?.(),
    maxPayloadLength: maxMessageSize,
    // Our keep-alive pings (../keep-alive.ts), not Bun's idle timer.
    idleTimeout: 0,
    sendPings: false,
    // Our flow control pauses reading at HIGH_WATER_MARK; one more message may
    // still be echoed after that, so Bun's own limit sits above both.
    backpressureLimit: HIGH_WATER_MARK * 2 + maxMessageSize,
    // COMPRESSION (../compression.ts): one compressor and one decompressor for
    // all sockets, reset after each message (no context takeover either way),
    // so no socket keeps zlib state; maxPayloadLength bounds the inflated size.
    perMessageDeflate: compression ? { compress: "shared", decompress: "shared" } : false,
  };
}

/** ws-echo on Bun: pass it to `createEchoApp` or `createApp`. */
export const runtime: EchoRuntime = {
  name: "bun",
  upgradeWebSocket,
  socketControl: (ws) => ws as SocketData,
  remoteAddress: (c) => getConnInfo(c).remote.address,
  processMetrics: processMetricsOf(process),
  utf8Length: (text) => Buffer.byteLength(text),
};
