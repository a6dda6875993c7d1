/**
 * What the shared connection logic needs from a runtime's socket beyond Hono's
 * `WSContext` (send, close). Each runtime's entry point builds one from
 * `ws.raw`; an optional member is absent where the runtime cannot do it, and
 * the README's runtime table says what follows from that.
 */
export interface SocketControl {
  /** Bytes accepted by `send` that have not reached the network yet. */
  bufferedAmount(): number;
  /** Sends UTF-8 bytes as a text frame; present where message events carry `utf8` (see ../message.ts). */
  sendText?(bytes: Uint8Array<ArrayBuffer>): void;
  /** Drops the connection at once, without a closing handshake (a dead peer will not answer one). */
  terminate(): void;
  /** Sends a ping frame. Absent on Workers (no API) and Deno (pings by itself, see src/deno/websocket.ts). */
  ping?(): void;
  /** Registers the listener for pong frames; present exactly when `ping` is. */
  onPong?(listener: () => void): void;
  /** Stops reading from the peer, so TCP pushes back on it. Absent where the runtime cannot. */
  pause?(): void;
  resume?(): void;
}
