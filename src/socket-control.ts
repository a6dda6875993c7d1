import type { WSContext } from "hono/ws";
import type { EchoMessage } from "./message.ts";

/**
 * What the shared connection logic needs from a runtime's socket beyond Hono's
 * `WSContext` (send, close). Each runtime's entry point builds one from
 * `ws.raw`; an optional member is absent where the runtime cannot do it, and
 * docs/runtime-differences.md says what follows from that.
 */
export interface SocketControl {
  /**
   * Bytes accepted by `send` that have not reached the network yet (the
   * WebSocket API's name). Where asking the runtime is a call into it, an
   * adapter may answer from what it knows, as long as flow control decides as
   * it would on the true figure: Bun's from what `send` reported, Deno's with
   * a bound never below the true figure and exact above LOW_WATER_MARK
   * (src/standard-websocket.ts).
   */
  readonly bufferedAmount: number;
  /** Sends UTF-8 bytes as a text frame; present where message events carry `utf8` (see ../message.ts). */
  sendText?(bytes: Uint8Array<ArrayBuffer>): void;
  /**
   * Starts the closing handshake, as WSContext's `close` does. The registry's
   * shutdown calls it: a connection keeps its control, not its WSContext.
   */
  close(code?: number, reason?: string): void;
  /** Drops the connection at once, without a closing handshake (a dead peer will not answer one). */
  terminate(): void;
  /**
   * Sends a ping frame; where present, the adapter calls `onPong` of the
   * connection's events (`PongEvents`) for each pong frame. Absent on Workers
   * (no API) and Deno (pings by itself, see src/deno/runtime.ts).
   */
  ping?(): void;
  /** Stops reading from the peer, so TCP pushes back on it. Absent where the runtime cannot. */
  pause?(): void;
  resume?(): void;
}

/**
 * An event ws-echo adds to Hono's `WSEvents`: a pong frame arrived. A method
 * on the connection's events rather than a listener handed to the socket, so
 * keep-alive costs no closure per connection.
 */
export interface PongEvents {
  onPong?(): void;
}

/**
 * The echo's events also take a message as its data alone. An adapter that is
 * handed the data, not an event (Bun), calls `onData` where present instead of
 * building an event for `onMessage` per message, work on the hot path. So does
 * one whose events carry nothing but the data (Deno, Workers:
 * ./standard-websocket.ts).
 */
export interface DataEvents {
  onData?(data: EchoMessage, ws: WSContext): void;
}
