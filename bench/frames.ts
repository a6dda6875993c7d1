/**
 * The load client's messages, built once before a run: every frame is masked
 * in advance and laid out back to back in one buffer, so sending n consecutive
 * messages is one `write` of a slice, with no per-message allocation or
 * masking in the client's hot loop. The frame codec is the tests' own
 * (test/harness/frames.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import { headerLength, Opcode, writeHeader } from "../test/harness/frames.ts";
import { deflateMessage } from "./compression.ts";

/** A cycle of distinct messages a connection sends in order, and expects back in the same order. */
export interface MessageRing {
  /** How many distinct messages before the cycle repeats. */
  readonly size: number;
  /** Unmasked payload of message i (what the echo must carry). */
  readonly payloads: readonly Buffer[];
  /** Opcode of message i: even slots binary, odd slots text, so the type is checked both ways. */
  readonly opcodes: Uint8Array;
  /** All frames, masked, back to back. */
  readonly wire: Buffer;
  /** Frame i is `wire[offsets[i], offsets[i + 1])`. */
  readonly offsets: Float64Array;
  /** Whether the frames carry the payloads deflated (RSV1; bench/compression.ts). */
  readonly compressed?: boolean;
}

/**
 * What a ring's messages hold: `mixed` alternates random binary and
 * repetitive text; `json` is all text, JSON-like records (compressible as
 * such data is, not as a run of one byte is), for the compressed modes.
 */
export type PayloadKind = "mixed" | "json";

const TEXT_FILL = "echo-bench/ü/0123456789abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/";

/** Payload of slot `slot`: its number in the first 4 bytes (so a reordered or lost echo never matches), then filler. */
function payloadFor(slot: number, bytes: number, text: boolean): Buffer {
  const payload = Buffer.alloc(bytes);
  if (text) {
    // Valid UTF-8 of exactly `bytes` bytes: the slot in hex, then filler with a 2-byte character, padded with ASCII.
    const fill = Buffer.from(`${slot.toString(16).padStart(8, "0")}:${TEXT_FILL.repeat(Math.ceil(bytes / 64))}`);
    let end = Math.min(bytes, fill.length);
    while (end > 0 && (fill[end]! & 0xc0) === 0x80) end--; // never cut a character in half
    fill.copy(payload, 0, 0, end);
    payload.fill(0x2e, end);
  } else {
    randomBytes(bytes).copy(payload);
    if (bytes >= 4) payload.writeUInt32BE(slot, 0);
  }
  return payload;
}

/**
 * Text of exactly `bytes` UTF-8 bytes: the slot in hex, then JSON-like records
 * whose numbers and names vary (a seeded generator, so every run sends the
 * same), with a 2-byte character among them; ASCII padding at the end.
 */
function jsonFor(slot: number, bytes: number): Buffer {
  let seed = (slot + 1) * 2654435761 >>> 0;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const events = ["message", "join", "leave", "typing", "presence", "ack"];
  const parts = [`${slot.toString(16).padStart(8, "0")}:[`];
  let length = parts[0]!.length;
  for (let id = 0; length < bytes; id++) {
    const record = `{"id":${slot * 10_000 + id},"user":"user-${next(500)}","event":"${events[next(6)]}",` +
      `"room":"room-${next(40)}","ts":${1_765_000_000_000 + next(1_000_000)},"text":"héllo echo ${next(1000)}"},`;
    parts.push(record);
    length += Buffer.byteLength(record);
  }
  const fill = Buffer.from(parts.join(""));
  let end = Math.min(bytes, fill.length);
  while (end > 0 && (fill[end]! & 0xc0) === 0x80) end--; // never cut a character in half
  const payload = Buffer.alloc(bytes, 0x20);
  fill.copy(payload, 0, 0, end);
  return payload;
}

export function buildRing(size: number, payloadBytes: number, kind: PayloadKind = "mixed"): MessageRing {
  const mask = randomBytes(4);
  const payloads: Buffer[] = [];
  const opcodes = new Uint8Array(size);
  const offsets = new Float64Array(size + 1);
  const frameBytes = headerLength(payloadBytes, true) + payloadBytes;
  const wire = Buffer.allocUnsafe(frameBytes * size);
  for (let i = 0; i < size; i++) {
    const text = kind === "json" || i % 2 === 1;
    const payload = kind === "json" ? jsonFor(i, payloadBytes) : payloadFor(i, payloadBytes, text);
    payloads.push(payload);
    opcodes[i] = text ? Opcode.text : Opcode.binary;
    offsets[i] = i * frameBytes;
    const start = writeHeader(wire, i * frameBytes, opcodes[i]!, payloadBytes, mask);
    for (let j = 0; j < payloadBytes; j++) wire[start + j] = payload[j]! ^ mask[j & 3]!;
  }
  offsets[size] = size * frameBytes;
  return { size, payloads, opcodes, wire, offsets };
}

/**
 * The ring's messages deflated (RFC 7692, no context takeover: each on its
 * own), masked, as single frames with RSV1: built once before the run, so
 * sending stays one `write` of a slice. Same payloads and opcodes: the echoes
 * are checked against the data, compressed or not.
 */
export function deflateRing(ring: MessageRing): MessageRing {
  const mask = randomBytes(4);
  const frames: Buffer[] = [];
  const offsets = new Float64Array(ring.size + 1);
  let at = 0;
  for (let i = 0; i < ring.size; i++) {
    const payload = deflateMessage(ring.payloads[i]!);
    const frame = Buffer.allocUnsafe(headerLength(payload.length, true) + payload.length);
    // RSV1 (rsv 0b100): "this message is compressed".
    const start = writeHeader(frame, 0, ring.opcodes[i]!, payload.length, mask, { rsv: 0b100 });
    for (let j = 0; j < payload.length; j++) frame[start + j] = payload[j]! ^ mask[j & 3]!;
    frames.push(frame);
    offsets[i] = at;
    at += frame.length;
  }
  offsets[ring.size] = at;
  return { ...ring, wire: Buffer.concat(frames), offsets, compressed: true };
}

/**
 * The handshake request and the `Sec-WebSocket-Accept` a correct server
 * answers to it; `extensions`, when given, is offered in `Sec-WebSocket-Extensions`.
 */
export function handshake(host: string, port: number, extensions?: string): { request: Buffer; accept: string } {
  const key = randomBytes(16).toString("base64");
  const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  const request = Buffer.from(
    `GET /ws HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
      (extensions ? `Sec-WebSocket-Extensions: ${extensions}\r\n` : "") + "\r\n",
  );
  return { request, accept };
}
