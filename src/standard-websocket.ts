import { WSContext, type WSEvents } from "hono/ws";

/** What a WSContext needs of a socket: the standard WebSocket and `ws`'s both have it. */
export interface ContextSocket {
  send(data: string | ArrayBuffer | Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
}

/** The one WSContext of a connection, over its socket. */
export function socketContext<T extends ContextSocket>(socket: T, url: string, protocol: string | null): WSContext<T> {
  return new WSContext<T>({
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
    raw: socket,
    get readyState() {
      return socket.readyState as 0 | 1 | 2 | 3;
    },
    url,
    protocol,
  });
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
