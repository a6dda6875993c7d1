/**
 * The load client's messages, built once before a run: every frame is masked
 * in advance and laid out back to back in one buffer, so sending n consecutive
 * messages is one `write` of a slice, with no per-message allocation or
 * masking in the client's hot loop. The frame codec is the tests' own
 * (test/harness/frames.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import { headerLength, Opcode, writeHeader } from "../test/harness/frames.ts";

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
}

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

export function buildRing(size: number, payloadBytes: number): MessageRing {
  const mask = randomBytes(4);
  const payloads: Buffer[] = [];
  const opcodes = new Uint8Array(size);
  const offsets = new Float64Array(size + 1);
  const frameBytes = headerLength(payloadBytes, true) + payloadBytes;
  const wire = Buffer.allocUnsafe(frameBytes * size);
  for (let i = 0; i < size; i++) {
    const text = i % 2 === 1;
    const payload = payloadFor(i, payloadBytes, text);
    payloads.push(payload);
    opcodes[i] = text ? Opcode.text : Opcode.binary;
    offsets[i] = i * frameBytes;
    const start = writeHeader(wire, i * frameBytes, opcodes[i]!, payloadBytes, mask);
    for (let j = 0; j < payloadBytes; j++) wire[start + j] = payload[j]! ^ mask[j & 3]!;
  }
  offsets[size] = size * frameBytes;
  return { size, payloads, opcodes, wire, offsets };
}

/** The handshake request and the `Sec-WebSocket-Accept` a correct server answers to it. */
export function handshake(host: string, port: number): { request: Buffer; accept: string } {
  const key = randomBytes(16).toString("base64");
  const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  const request = Buffer.from(
    `GET /ws HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  return { request, accept };
}
