// Node: the socket of one echo connection, `ws`'s WebSocket with the echo's handlers and controls.
import { WSContext, type WSContextInit, type WSEvents } from "hono/ws";
import { type RawData, WebSocket } from "ws";
import type { EchoMessageEvent } from "../message.ts";
import type { PongEvents, SocketControl } from "../socket-control.ts";

/**
 * `ws`'s WebSocket with what one echo connection needs. Its handlers are
 * methods, the same function for every socket, where closures would be memory
 * per idle connection (docs/benchmark-notes.md), called from `emit`
 * rather than registered as listeners. It is also its own
 * WSContext init, and the echo's SocketControl: `ws` already has
 * `bufferedAmount`, `terminate`, `ping`, `pause` and `resume`.
 */
export class EchoSocket extends WebSocket implements WSContextInit<WebSocket>, SocketControl {
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
