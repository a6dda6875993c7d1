// Node: `@hono/node-server` v2 for HTTP, `ws` for WebSockets, joined by our own upgrade path.
import type { ServerType } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { defineWebSocketHelper, type UpgradeWebSocket, WSContext, type WSContextInit, type WSEvents } from "hono/ws";
import { type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import { selectSubprotocol } from "../handshake.ts";
import type { EchoMessageEvent } from "../message.ts";
import { DEFAULT_OPTIONS, type EchoOptions } from "../options.ts";
import type { EchoRuntime, UpgradeOptions } from "../runtime.ts";
import type { PongEvents, SocketControl } from "../socket-control.ts";
import { applyHandshakeTimeout } from "./handshake-timeout.ts";
import { toRequest } from "./request.ts";

/**
 * Why not `@hono/node-server`'s WebSocket support: per message it builds a
 * MessageEvent and copies the data (binary with `buffer.slice()`, text with
 * `Buffer.from()` before decoding), and the closure it keeps for each
 * connection holds the Hono Context, the Request and the IncomingMessage for
 * the connection's life. Here the app still decides every handshake (routing,
 * 426/403/503...), then `ws` takes the socket and the connection keeps only
 * its socket (an `EchoSocket`, below), its WSContext and its events. Measured
 * with `npm run bench` (ours/native, same run): pipelined CPU per message
 * 1.39 → about 1.1, server RSS per idle connection at 10,000 connections
 * 2.50 → 1.80, with `EchoSocket` (and the shared changes of the same day)
 * 1.35 → 1.17–1.22, then with the lazy Request (./request.ts) and `ws`'s
 * events through `EchoSocket.emit` 1.19 → 1.07–1.09 (three runs of
 * `BENCH_RUNTIMES=node BENCH_MODES=conns10k BENCH_CONNS_ROUNDS=3`), and with
 * `ws`'s client tracking off and the shared SlotLists 1.05–1.08.
 */
const ACCEPTED = Symbol("ws-echo accepted upgrade");

/** What `upgradeWebSocket` leaves in the request's env for `attachWebSocketServer`. */
interface Accepted {
  events?: WSEvents<WebSocket>;
}

type NodeEnv = { incoming: IncomingMessage; outgoing: undefined; [ACCEPTED]?: Accepted };

/** Accepts a handshake the app let through: the socket itself is taken over by `attachWebSocketServer`. */
export const upgradeWebSocket: UpgradeWebSocket<WebSocket, UpgradeOptions> = defineWebSocketHelper<
  WebSocket,
  UpgradeOptions
>((c, events) => {
  const accepted = (c.env as Partial<NodeEnv> | undefined)?.[ACCEPTED];
  if (!accepted) throw new Error("a WebSocket handshake reached the app outside attachWebSocketServer");
  accepted.events = events;
  // Not sent: attachWebSocketServer answers 101 through `ws`.
  return new Response(null);
});

/**
 * Serves WebSockets on a Node HTTP server (`serve()` from `@hono/node-server`):
 * every upgrade request goes through `fetch` (your Hono app) first, and only a
 * request the echo accepted becomes a WebSocket; anything else gets the app's
 * answer. The `ws` server enforces the message size limit while reading (1009)
 * and answers the sub-protocol our rules pick.
 */
export function attachWebSocketServer(
  server: ServerType,
  fetch: (request: Request, env: NodeEnv) => Response | Promise<Response>,
  options: Partial<EchoOptions> = {},
): WebSocketServer {
  const { maxMessageSize, subprotocols, handshakeTimeout } = { ...DEFAULT_OPTIONS, ...options };
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxMessageSize,
    maxFragments: maxFragments(maxMessageSize),
    handleProtocols: (offered) => selectSubprotocol(offered, subprotocols) ?? false,
    WebSocket: EchoSocket,
    // The app's ConnectionRegistry already counts and closes the open sockets;
    // `ws`'s own Set of them (`wss.clients`) and the close listener it adds to
    // each cost about 120 bytes of heap per connection. So `wss.clients` is
    // undefined here.
    clientTracking: false,
  });
  // HTTP/1.1 is where the upgrade mechanism lives (RFC 6455 §4.1); `serve()` makes an http.Server by default.
  const http = server as Server;
  applyHandshakeTimeout(http, handshakeTimeout);
  http.on("upgrade", async (incoming: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A reset during the handshake concerns this socket only. A module-level
    // function: a closure here would keep this scope (the Request, its headers)
    // alive for the connection's life.
    socket.on("error", ignore);
    const accepted: Accepted = {};
    let request: Request;
    try {
      request = toRequest(incoming);
    } catch {
      // A Host (`Host: a b`) or request target that makes no URL: this listener
      // is async, so a throw here would be an unhandled rejection, which ends
      // the process.
      return void writeResponse(socket, new Response("Bad Request: no URL from Host and target\n", { status: 400 }));
    }
    let response: Response;
    try {
      response = await fetch(request, { incoming, outgoing: undefined, [ACCEPTED]: accepted });
    } catch {
      response = new Response("Internal Server Error\n", { status: 500 });
    }
    const events = accepted.events;
    if (!events || socket.destroyed) return void writeResponse(socket, response);
    // `ws` listens for errors from here on: a second listener for the connection's life made an array per socket.
    socket.off("error", ignore);
    wss.handleUpgrade(incoming, socket, head, (ws) => (ws as EchoSocket).open(events));
  });
  http.on("close", () => wss.close());
  return wss;
}

function ignore(): void {}

/**
 * How many fragments `ws` accepts in one message (its own default, 16,384,
 * refused legal messages: issue #32). `ws` keeps each fragment as a Buffer of
 * its own until the message is whole, about 150 bytes of bookkeeping beside
 * the payload (1 MiB in 1-byte fragments grew the process by 160 MiB), so
 * the bound keeps that within about twice MAX_MESSAGE_BYTES: a message up to
 * the limit is echoed whenever its fragments average 64 bytes or more, and any
 * message of up to 16,384 fragments is. Past it: 1008 "Too many message fragments".
 */
export function maxFragments(maxMessageSize: number): number {
  return Math.max(16_384, Math.ceil(maxMessageSize / 64));
}

/**
 * `ws`'s WebSocket with what one echo connection needs. Its handlers are
 * methods, the same function for every socket, where closures would be memory
 * per idle connection (see the README's benchmarks), called from `emit`
 * rather than registered as listeners. It is also its own
 * WSContext init, and the echo's SocketControl: `ws` already has
 * `bufferedAmount`, `terminate`, `ping`, `pause` and `resume`.
 */
class EchoSocket extends WebSocket implements WSContextInit<WebSocket>, SocketControl {
  events!: WSEvents<WebSocket>;
  context!: WSContext<WebSocket>;

  /** For WSContext: the socket is its own init. */
  get raw(): WebSocket {
    return this;
  }

  sendText(bytes: Uint8Array<ArrayBuffer>): void {
    this.send(bytes, { binary: false });
  }

  open(events: WSEvents<WebSocket>): void {
    this.events = events;
    // `url` is null, for the reason in ../standard-websocket.ts.
    this.context = new WSContext<WebSocket>(this);
    // `ws` says "" for no sub-protocol; null, as on the other runtimes.
    this.context.protocol ||= null;
    // Handlers may live on a prototype (src/echo.ts): always called as methods of `events`.
    events.onOpen?.(new Event("open"), this.context);
  }

  /**
   * `ws` hands its events over here rather than to listeners: four listeners
   * per socket (message, close, error, pong) grew every socket's listener table,
   * and a second `close` listener beside `ws`'s own made an array. Listeners
   * added by others still hear every event, after the echo.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const events = this.events as WSEvents<WebSocket> | undefined;
    let handled = events !== undefined;
    if (handled) {
      if (event === "message") this.#onMessage(args[0] as RawData, args[1] as boolean);
      else if (event === "close") this.#onClose(args[0] as number, args[1] as Buffer);
      else if (event === "error") this.#onError(args[0] as Error);
      else if (event === "pong") (events as PongEvents).onPong?.();
      else handled = false;
    }
    // EventEmitter throws an `error` nobody listens to: the echo has heard it.
    if (handled && event === "error" && this.listenerCount("error") === 0) return true;
    return super.emit(event, ...args) || handled;
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    // Binary: the Buffer `ws` hands over. Text: its bytes, decoded only if read (see ../message.ts).
    const event = isBinary ? { data } : new TextMessage(data as Buffer<ArrayBuffer>);
    this.events.onMessage?.(event as unknown as MessageEvent, this.context);
  }

  #onClose(code: number, reason: Buffer): void {
    const event = Object.assign(new Event("close"), { code, reason: reason.toString() });
    this.events.onClose?.(event as CloseEvent, this.context);
  }

  #onError(error: Error): void {
    this.events.onError?.(Object.assign(new Event("error"), { error }), this.context);
  }
}

/**
 * A text message as `ws` hands it: UTF-8 it has validated. `data` is the string
 * Hono's handlers expect, made on first read; the echo reads `utf8` instead
 * and sends the bytes back as they came (`sendText` below).
 */
class TextMessage implements EchoMessageEvent {
  #text: string | undefined;
  constructor(readonly utf8: Buffer<ArrayBuffer>) {}
  get data(): string {
    return this.#text ??= this.utf8.toString();
  }
}

/** Writes the app's answer to a handshake it refused, then closes the connection. */
async function writeResponse(socket: Duplex, response: Response): Promise<void> {
  const body = response.body ? new Uint8Array(await response.arrayBuffer()) : new Uint8Array(0);
  if (socket.destroyed) return;
  const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}`];
  response.headers.forEach((value, name) => {
    if (name !== "connection" && name !== "content-length" && name !== "transfer-encoding") {
      lines.push(`${name}: ${value}`);
    }
  });
  lines.push("Connection: close", `Content-Length: ${body.byteLength}`);
  socket.end(Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), body]));
}

/** ws-echo on Node: pass it to `createEchoApp` or `createApp`, and serve WebSockets with `attachWebSocketServer`. */
export const runtime: EchoRuntime = {
  name: "node",
  upgradeWebSocket,
  socketControl: ({ raw }) => raw as EchoSocket,
  remoteAddress: (c) => getConnInfo(c).remote.address,
};
