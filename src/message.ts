import type { WSMessageReceive } from "hono/ws";

/**
 * Text kept as the UTF-8 bytes it arrived in. A runtime that has validated a
 * text frame's UTF-8 itself (Node's `ws`) puts those bytes on the message event
 * as `utf8`, beside `data`; the echo then sends them back as a text frame
 * (`SocketControl.sendText`) instead of decoding them to a string for `send` to
 * encode again, which doubled Node's CPU per large message (docs/benchmark-notes.md).
 */
export class Utf8Text {
  constructor(readonly bytes: Uint8Array<ArrayBuffer>) {}

  /** The string, for a socket that can send text only as a string. */
  decode(): string {
    return decoder.decode(this.bytes);
  }
}

/** A received message as the echo takes it: what the runtime handed over, or its text's UTF-8 bytes. */
export type EchoMessage = WSMessageReceive | ArrayBufferView | Utf8Text;

/** A message event whose text may also come as UTF-8 bytes (see `Utf8Text`). */
export interface EchoMessageEvent {
  readonly data: WSMessageReceive | ArrayBufferView;
  /** Set for a text message by a runtime that validated its UTF-8; then `data` is its string. */
  readonly utf8?: Uint8Array<ArrayBuffer>;
}

/**
 * What the echo sends back. Text stays text (a `string`, or its UTF-8 bytes as
 * `Utf8Text`), binary stays bytes: the frame type a client sent is the frame
 * type it gets back.
 */
export type EchoPayload = string | ArrayBuffer | Uint8Array<ArrayBuffer> | Utf8Text;

/** The message of an event: its text's UTF-8 bytes when the runtime gave them, else its `data`. */
export function messageOf(event: EchoMessageEvent): EchoMessage {
  return event.utf8 === undefined ? event.data : new Utf8Text(event.utf8);
}

/**
 * The one place where message data is converted. Runtimes hand `onMessage`
 * different shapes for the same binary frame:
 * - Node: the `Buffer` from `ws` (our adapter; `@hono/node-server`'s copies it to an `ArrayBuffer`);
 * - Bun: the `Buffer` itself from our adapter (`hono/bun`'s: the `ArrayBuffer` behind it);
 * - Deno, Workers with `binaryType = "arraybuffer"`: an `ArrayBuffer`;
 * - Workers with the standard binary type (compatibility date 2026-03-17 on): a `Blob`.
 *
 * Views keep their offset and length, so no byte outside the frame is echoed.
 * Text stays a string, or `Utf8Text` where the runtime handed its bytes.
 * Only a `Blob` needs a promise; the caller keeps messages in order around it
 * (see `./echo.ts`).
 */
export function toEchoPayload(data: EchoMessage): EchoPayload | Promise<EchoPayload> {
  if (typeof data === "string" || data instanceof Utf8Text) return data;
  // Sent as it came: a view over it would be one more object per message (Deno, Workers).
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) return bytesOf(data);
  if (data instanceof Blob) return data.arrayBuffer();
  // SharedArrayBuffer: no runtime hands one to a WebSocket handler, but the type allows it.
  return new Uint8Array(data).slice();
}

function bytesOf(view: ArrayBufferView): Uint8Array<ArrayBuffer> {
  // A Node or Bun Buffer is already bytes: passed on as it is, without reading
  // `.buffer`. In Bun (JavaScriptCore) that getter gives a small typed array an
  // ArrayBuffer object of its own, a large share of the server's CPU per small
  // message (docs/benchmark-notes.md). No runtime hands a WebSocket message over
  // shared memory, so a Uint8Array is taken as over an ArrayBuffer.
  if (view instanceof Uint8Array) return view as Uint8Array<ArrayBuffer>;
  if (view.buffer instanceof ArrayBuffer) return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

/**
 * Whether a message is larger than `max` bytes on the wire (UTF-8 for text).
 * Runs for every message, so a string is encoded only when its length cannot
 * decide: a UTF-16 unit is 1 to 3 UTF-8 bytes (a surrogate pair, 2 units, is 4).
 */
export function exceeds(data: EchoMessage, max: number): boolean {
  if (data instanceof Utf8Text) return data.bytes.byteLength > max;
  if (typeof data !== "string") return (data instanceof Blob ? data.size : data.byteLength) > max;
  if (data.length > max) return true;
  if (data.length * 3 <= max) return false;
  return encoder.encode(data).byteLength > max;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
