import { WSContext, type WSEvents, type WSReadyState } from "hono/ws";
import { CLOSE_CODES } from "./close-codes.ts";
import { LOW_WATER_MARK } from "./flow-control.ts";
import { subprotocolFor } from "./handshake.ts";
import type { UpgradeOptions } from "./runtime.ts";
import type { DataEvents, SocketControl } from "./socket-control.ts";
import { UNUSED_INIT } from "./unused-init.ts";
import { isWebSocketUpgrade } from "./upgrade.ts";

/**
 * The opening of Deno's and Workers' upgrade helpers: undefined when the
 * request is no WebSocket handshake (checked with `isWebSocketUpgrade`, since
 * Hono's own helpers compare `Upgrade` to the exact string "websocket"), else
 * the sub-protocol to answer, null for none.
 */
export function standardHandshake(
  headers: Headers,
  options: UpgradeOptions | undefined,
): { protocol: string | null } | undefined {
  if (!isWebSocketUpgrade(headers)) return undefined;
  return { protocol: subprotocolFor(headers, options?.subprotocols) ?? null };
}

/**
 * A standard (WHATWG) server-side WebSocket, the kind Deno's
 * `Deno.upgradeWebSocket` and workerd's `WebSocketPair` hand over: its one
 * WSContext, which is also the echo's SocketControl, in the shape of Bun's
 * `SocketData`. One object per connection where there were three (a WSContext,
 * its init, a control), and the echo's `send` and `readyState` reach the socket
 * straight, not through the init.
 *
 * No `url`: WSContext would parse a URL object for every connection, memory
 * per idle connection (docs/benchmark-notes.md), for what the handler's
 * factory already has as `c.req.url`. Hono's own Deno and Workers
 * adapters leave it null too: their server sockets have no URL.
 */
export class StandardContext extends WSContext<WebSocket> implements SocketControl {
  declare raw: WebSocket;
  /**
   * Never below the socket's `bufferedAmount`: the figure last read plus what
   * was sent since. `send` adds a message's bytes to that figure at once, and
   * it falls only as they are written (the WebSocket standard; Deno:
   * ext/websocket, `op_ws_send_text` and `op_ws_send_binary`), so it can pass
   * a reading only by what was sent. On Deno a reading is a call into Rust
   * (`op_ws_get_buffered_amount`), and flow control asks after every send:
   * the socket is asked only once this bound passes LOW_WATER_MARK, above
   * which the answer is exact, as flow control needs (docs/benchmark-notes.md).
   */
  #bound = 0;

  constructor(socket: WebSocket, protocol: string | null) {
    super(UNUSED_INIT);
    this.raw = socket;
    this.protocol = protocol;
  }

  override send(data: string | ArrayBuffer | Uint8Array<ArrayBuffer>): void {
    this.raw.send(data);
    // A UTF-16 unit is at most 3 bytes of UTF-8.
    this.#bound += typeof data === "string" ? data.length * 3 : data.byteLength;
  }
  get bufferedAmount(): number {
    // workerd's socket has none, nor its types (WorkersContext answers 0 instead).
    if (this.#bound > LOW_WATER_MARK) {
      this.#bound = (this.raw as WebSocket & { readonly bufferedAmount: number })
        .bufferedAmount;
    }
    return this.#bound;
  }
  override close(code?: number, reason?: string): void {
    this.raw.close(code, reason);
  }
  override get readyState(): WSReadyState {
    return this.raw.readyState as WSReadyState;
  }
  terminate(): void {
    // Neither runtime can drop a socket without a close frame; this one is not waited for.
    this.raw.close(CLOSE_CODES.goingAway, "going away");
  }
}

/**
 * Wires a standard WebSocket's events to Hono's, through its context. `onOpen`
 * is the caller's: Deno fires an open event, a Workers socket is open once
 * accepted.
 */
export function bindStandardWebSocket(ws: StandardContext, events: WSEvents<WebSocket>): void {
  const socket = ws.raw;
  // Deno's default, and since compatibility date 2026-03-17 workerd's, is Blob;
  // an ArrayBuffer keeps the echo synchronous (see ./message.ts).
  socket.binaryType = "arraybuffer";
  // The echo takes the data alone (`DataEvents`), as on Bun: a standard
  // socket's event never carries `utf8` (see ../message.ts), so `onMessage`
  // and `messageOf` would only pass `data` on, at a cost per message.
  const dataEvents: WSEvents<WebSocket> & DataEvents = events;
  if (dataEvents.onData) socket.addEventListener("message", (event) => dataEvents.onData!(event.data, ws));
  else if (events.onMessage) socket.addEventListener("message", (event) => events.onMessage?.(event, ws));
  if (events.onClose) socket.addEventListener("close", (event) => events.onClose?.(event, ws));
  if (events.onError) socket.addEventListener("error", (event) => events.onError?.(event, ws));
}
