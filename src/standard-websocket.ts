import { WSContext, type WSContextInit, type WSEvents, type WSReadyState } from "hono/ws";

/** What a WSContext needs of a socket: the standard WebSocket and `ws`'s both have it. */
export interface ContextSocket {
  send(data: string | ArrayBuffer | Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
}

/**
 * A WSContext's view of its socket, as methods on a prototype rather than
 * closures: with 10,000 open connections each closure is memory held per
 * connection (see the README's benchmarks).
 */
class SocketInit<T extends ContextSocket> implements WSContextInit<T> {
  constructor(readonly raw: T, readonly url: string, readonly protocol: string | null) {}
  send(data: string | ArrayBuffer | Uint8Array<ArrayBuffer>): void {
    this.raw.send(data);
  }
  close(code?: number, reason?: string): void {
    this.raw.close(code, reason);
  }
  get readyState(): WSReadyState {
    return this.raw.readyState as WSReadyState;
  }
}

/** The one WSContext of a connection, over its socket. */
export function socketContext<T extends ContextSocket>(socket: T, url: string, protocol: string | null): WSContext<T> {
  return new WSContext<T>(new SocketInit(socket, url, protocol));
}

/**
 * Wires a standard (WHATWG) server-side WebSocket, the kind Deno's
 * `Deno.upgradeWebSocket` and workerd's `WebSocketPair` hand over, to Hono's
 * events. `onOpen` is the caller's: Deno fires an open event, a Workers socket
 * is open once accepted.
 */
export function bindStandardWebSocket(
  socket: WebSocket,
  events: WSEvents<WebSocket>,
  url: string,
  protocol: string | null,
): WSContext<WebSocket> {
  // Deno's default, and since compatibility date 2026-03-17 workerd's, is Blob;
  // an ArrayBuffer keeps the echo synchronous (see ./message.ts).
  socket.binaryType = "arraybuffer";
  const ws = socketContext(socket, url, protocol);
  if (events.onMessage) socket.addEventListener("message", (event) => events.onMessage?.(event, ws));
  if (events.onClose) socket.addEventListener("close", (event) => events.onClose?.(event, ws));
  if (events.onError) socket.addEventListener("error", (event) => events.onError?.(event, ws));
  return ws;
}
