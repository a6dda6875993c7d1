import { WSContext, type WSContextInit, type WSEvents, type WSReadyState } from "hono/ws";

/**
 * A WSContext's view of a standard WebSocket, as methods on a prototype rather
 * than closures: with 10,000 open connections each closure is memory held per
 * connection (see the README's benchmarks).
 *
 * No `url`: WSContext would parse a URL object for every connection (about
 * 0.25 KiB each on Bun, `BENCH_MODES=conns10k npm run bench`), for what the
 * handler's factory already has as `c.req.url`. Hono's own Deno and Workers
 * adapters leave it null too: their server sockets have no URL.
 */
class SocketInit implements WSContextInit<WebSocket> {
  constructor(readonly raw: WebSocket, readonly protocol: string | null) {}
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

/**
 * Wires a standard (WHATWG) server-side WebSocket, the kind Deno's
 * `Deno.upgradeWebSocket` and workerd's `WebSocketPair` hand over, to Hono's
 * events. `onOpen` is the caller's: Deno fires an open event, a Workers socket
 * is open once accepted.
 */
export function bindStandardWebSocket(
  socket: WebSocket,
  events: WSEvents<WebSocket>,
  protocol: string | null,
): WSContext<WebSocket> {
  // Deno's default, and since compatibility date 2026-03-17 workerd's, is Blob;
  // an ArrayBuffer keeps the echo synchronous (see ./message.ts).
  socket.binaryType = "arraybuffer";
  const ws = new WSContext(new SocketInit(socket, protocol));
  if (events.onMessage) socket.addEventListener("message", (event) => events.onMessage?.(event, ws));
  if (events.onClose) socket.addEventListener("close", (event) => events.onClose?.(event, ws));
  if (events.onError) socket.addEventListener("error", (event) => events.onError?.(event, ws));
  return ws;
}
