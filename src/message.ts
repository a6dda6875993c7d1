import type { WSMessageReceive } from "hono/ws";

/**
 * What the echo sends back. Text stays a `string`, binary stays bytes: the
 * frame type a client sent is the frame type it gets back.
 */
export type EchoPayload = string | Uint8Array<ArrayBuffer>;

/**
 * The one place where message data is converted. Runtimes hand `onMessage`
 * different shapes for the same binary frame:
 * - Node (`@hono/node-server`): an `ArrayBuffer` copied out of a `Buffer`;
 * - Bun: the `ArrayBuffer` behind a `Buffer`, or the `Buffer` itself from our own adapters;
 * - Deno, Workers with `binaryType = "arraybuffer"`: an `ArrayBuffer`;
 * - Workers with the standard binary type (compatibility date 2026-03-17 on): a `Blob`.
 *
 * Views keep their offset and length, so no byte outside the frame is echoed.
 * Only a `Blob` needs a promise; the caller keeps messages in order around it
 * (see `./echo.ts`).
 */
export function toEchoPayload(data: WSMessageReceive | ArrayBufferView): EchoPayload | Promise<EchoPayload> {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return bytesOf(data);
  if (data instanceof Blob) return data.arrayBuffer().then((buffer) => new Uint8Array(buffer));
  // SharedArrayBuffer: no runtime hands one to a WebSocket handler, but the type allows it.
  return new Uint8Array(data).slice();
}

function bytesOf(view: ArrayBufferView): Uint8Array<ArrayBuffer> {
  // A Node or Bun Buffer is already bytes over an ArrayBuffer: passed on as it is.
  if (view instanceof Uint8Array && view.buffer instanceof ArrayBuffer) return view as Uint8Array<ArrayBuffer>;
  if (view.buffer instanceof ArrayBuffer) return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

/**
 * Whether a message is larger than `max` bytes on the wire (UTF-8 for text).
 * Runs for every message, so a string is encoded only when its length cannot
 * decide: a UTF-16 unit is 1 to 3 UTF-8 bytes (a surrogate pair, 2 units, is 4).
 */
export function exceeds(data: WSMessageReceive | ArrayBufferView, max: number): boolean {
  if (typeof data !== "string") return (data instanceof Blob ? data.size : data.byteLength) > max;
  if (data.length > max) return true;
  if (data.length * 3 <= max) return false;
  return encoder.encode(data).byteLength > max;
}

const encoder = new TextEncoder();
