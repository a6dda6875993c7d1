// Node's upgrade path: the app answers every upgrade request; one it accepts becomes a `ws` socket.
import type { ServerType } from "@hono/node-server";
import { defineWebSocketHelper, type UpgradeWebSocket, type WSEvents } from "hono/ws";
import { type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { type ServerOptions, type WebSocket, WebSocketServer } from "ws";
import { ZLIB_CONCURRENCY } from "../compression.ts";
import { selectSubprotocol } from "../handshake.ts";
import { DEFAULT_OPTIONS } from "../options.ts";
import type { UpgradeOptions } from "../runtime.ts";
import { toRequest } from "./request.ts";
import { EchoSocket } from "./socket.ts";

/**
 * Node's upgrade path: the app decides every handshake (routing,
 * 426/403/503...), then `ws` takes the socket. Why not `@hono/node-server`'s
 * WebSocket support: per message it builds a MessageEvent and copies the data,
 * and the closure it keeps for each connection holds the Hono Context, the
 * Request and the IncomingMessage for the connection's life; here a
 * connection keeps only its socket (an `EchoSocket`, ./socket.ts), its
 * WSContext and its events (figures: docs/benchmark-notes.md).
 */
const ACCEPTED = Symbol("ws-echo accepted upgrade");

/** What `upgradeWebSocket` leaves in the request's env for `attachWebSocketServer`. */
interface Accepted {
  events?: WSEvents<WebSocket>;
  /** The accepting echo app's options: they choose its `ws` server. */
  options?: UpgradeOptions;
}

type NodeEnv = { incoming: IncomingMessage; outgoing: undefined; [ACCEPTED]?: Accepted };

/** Accepts a handshake the app let through: the socket itself is taken over by `attachWebSocketServer`. */
export const upgradeWebSocket: UpgradeWebSocket<WebSocket, UpgradeOptions> = defineWebSocketHelper<
  WebSocket,
  UpgradeOptions
>((c, events, options) => {
  const accepted = (c.env as Partial<NodeEnv> | undefined)?.[ACCEPTED];
  if (!accepted) throw new Error("a WebSocket handshake reached the app outside attachWebSocketServer");
  accepted.events = events;
  accepted.options = options ?? DEFAULT_OPTIONS;
  // Not sent: attachWebSocketServer answers 101 through `ws`.
  return new Response(null);
});

/**
 * Serves WebSockets on a Node HTTP server (`serve()` from `@hono/node-server`):
 * every upgrade request goes through `fetch` (your Hono app) first, and only a
 * request an echo app accepted becomes a WebSocket; anything else gets the
 * app's answer. The options are the accepting echo app's own (`createEchoApp`
 * or `createApp`): each app gets a `ws` server of its own, made at its first
 * handshake, which enforces its message size limit while reading (1009) and
 * answers the sub-protocol our rules pick.
 */
export function attachWebSocketServer(
  server: ServerType,
  fetch: (request: Request, env: NodeEnv) => Response | Promise<Response>,
): void {
  // The 101 that `ws` writes carries the headers of the app's answer (the
  // security headers): `handleUpgrade` emits "headers" before it returns.
  let answer: Headers | undefined;
  const servers = new Map<UpgradeOptions, WebSocketServer>();
  const serverFor = (options: UpgradeOptions): WebSocketServer => {
    let wss = servers.get(options);
    if (wss === undefined) {
      wss = new WebSocketServer(webSocketServerOptions(options));
      wss.on("headers", (lines: string[]) => {
        answer?.forEach((value, name) => {
          if (!HANDSHAKE_HEADERS.has(name)) lines.push(`${name}: ${value}`);
        });
      });
      servers.set(options, wss);
    }
    return wss;
  };
  // HTTP/1.1 is where the upgrade mechanism lives (RFC 6455 §4.1); `serve()` makes an http.Server by default.
  const http = server as Server;
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
    const wss = serverFor(accepted.options!);
    answer = response.headers;
    try {
      wss.handleUpgrade(incoming, socket, head, (ws) => (ws as EchoSocket).open(events));
    } finally {
      answer = undefined;
    }
  });
  http.on("close", () => {
    for (const wss of servers.values()) wss.close();
  });
}

function ignore(): void {}

/** Headers of the 101 that are `ws`'s to write, or that describe a body the 101 does not have. */
const HANDSHAKE_HEADERS = new Set([
  "connection",
  "upgrade",
  "content-length",
  "content-type",
  "transfer-encoding",
  "sec-websocket-accept",
  "sec-websocket-protocol",
  "sec-websocket-extensions",
]);

/**
 * The options of the `ws` server that takes an echo app's sockets, from the
 * app's settled options: the one place they are made.
 */
export function webSocketServerOptions(options: UpgradeOptions): ServerOptions {
  return {
    noServer: true,
    maxPayload: options.maxMessageSize,
    maxFragments: maxFragments(options.maxMessageSize),
    handleProtocols: (offered) => selectSubprotocol(offered, options.subprotocols) ?? false,
    WebSocket: EchoSocket,
    // The app's ConnectionRegistry already counts and closes the open sockets;
    // `ws`'s own Set of them (`wss.clients`) and the close listener it adds to
    // each cost about 120 bytes of heap per connection.
    clientTracking: false,
    // COMPRESSION (../compression.ts): `ws` checks maxPayload against the inflated size while inflating (1009).
    perMessageDeflate: options.compression
      ? {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        threshold: options.compressionThreshold,
        concurrencyLimit: ZLIB_CONCURRENCY,
      }
      : false,
  };
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

/**
 * How many fragments `ws` accepts in one message (its own default, 16,384,
 * refused legal messages: issue #32). `ws` keeps each fragment as a Buffer of
 * its own until the message is whole, about 150 bytes of bookkeeping beside
 * the payload (docs/runtime-differences.md#fragments-on-node), so the bound
 * keeps that within about twice MAX_MESSAGE_BYTES: a message up to the limit
 * is echoed whenever its fragments average 64 bytes or more, and any message
 * of up to 16,384 fragments is. Past it: 1008.
 */
export function maxFragments(maxMessageSize: number): number {
  return Math.max(16_384, Math.ceil(maxMessageSize / 64));
}
