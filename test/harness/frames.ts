/**
 * The one RFC 6455 frame codec of the tests and the bench: for tests that need
 * to send what a well-behaved client library never would (chosen opcodes,
 * masks, reserved bits and fragmentation), and for the load client, which lays
 * its frames out in advance (bench/frames.ts).
 */
import { randomBytes } from "node:crypto";

export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

export interface Frame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Buffer;
}

export interface EncodeOptions {
  fin?: boolean;
  rsv?: number;
  /** Client frames must be masked (RFC 6455 §5.3); false sends an unmasked one on purpose. */
  mask?: boolean;
}

/** Bytes of a frame header for a payload of `payloadBytes`. */
export function headerLength(payloadBytes: number, masked: boolean): number {
  return 2 + (payloadBytes < 126 ? 0 : payloadBytes < 65536 ? 2 : 8) + (masked ? 4 : 0);
}

/** Writes a frame header at `at` (with the mask key, if any) and returns where the payload starts. */
export function writeHeader(
  target: Buffer,
  at: number,
  opcode: number,
  length: number,
  mask?: Uint8Array,
  { fin = true, rsv = 0 }: Omit<EncodeOptions, "mask"> = {},
): number {
  target[at] = (fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0xf);
  const maskBit = mask ? 0x80 : 0;
  let pos = at + 2;
  if (length < 126) target[at + 1] = maskBit | length;
  else if (length < 65536) {
    target[at + 1] = maskBit | 126;
    target.writeUInt16BE(length, pos);
    pos += 2;
  } else {
    target[at + 1] = maskBit | 127;
    target.writeBigUInt64BE(BigInt(length), pos);
    pos += 8;
  }
  if (mask) {
    target.set(mask, pos);
    pos += 4;
  }
  return pos;
}

/** One frame, masked with a fresh key unless `mask` is false. */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array = new Uint8Array(),
  options: EncodeOptions = {},
): Buffer {
  const key = options.mask === false ? undefined : randomBytes(4);
  const frame = Buffer.allocUnsafe(headerLength(payload.length, key !== undefined) + payload.length);
  const start = writeHeader(frame, 0, opcode, payload.length, key, options);
  if (key === undefined) frame.set(payload, start);
  else for (let i = 0; i < payload.length; i++) frame[start + i] = payload[i]! ^ key[i & 3]!;
  return frame;
}

/** One message as masked frames of `size` payload bytes each (the first carries `opcode`, the last `fin`). */
export function fragments(opcode: number, bytes: Uint8Array, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at === 0 || at < bytes.length; at += size) {
    const last = at + size >= bytes.length;
    out.push(encodeFrame(at === 0 ? opcode : Opcode.continuation, bytes.subarray(at, at + size), { fin: last }));
  }
  return out;
}

/** A close frame's payload: a 2-byte code, then the UTF-8 reason. */
export function closePayload(code: number, reason = ""): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}

/**
 * Incremental parser for the server's (unmasked) frames. Chunks are joined
 * only once a whole frame is there, so a 16 MiB frame costs one copy, not one
 * per TCP chunk.
 */
export class FrameReader {
  #chunks: Buffer[] = [];
  #length = 0;
  /** Bytes the frame at the head needs before it can be parsed (0: not known yet). */
  #needed = 0;

  /** Adds bytes and returns every frame now complete. */
  push(chunk: Buffer): Frame[] {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    const frames: Frame[] = [];
    while (this.#length >= Math.max(this.#needed, 2)) {
      const b = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#length);
      this.#chunks = [b];
      const frame = this.#next(b);
      if (!frame) break;
      frames.push(frame);
    }
    return frames;
  }

  #next(b: Buffer): Frame | undefined {
    const masked = (b[1]! & 0x80) !== 0;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return this.#need(4);
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return this.#need(10);
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    const maskKey = masked ? b.subarray(offset, offset + 4) : undefined;
    if (masked) offset += 4;
    if (b.length < offset + length) return this.#need(offset + length);
    const payload = Buffer.from(b.subarray(offset, offset + length));
    if (maskKey) { for (let i = 0; i < payload.length; i++) payload[i]! ^= maskKey[i & 3]!; }
    const rest = b.subarray(offset + length);
    this.#chunks = rest.length ? [rest] : [];
    this.#length = rest.length;
    this.#needed = 0;
    return { fin: (b[0]! & 0x80) !== 0, rsv: (b[0]! >> 4) & 0x7, opcode: b[0]! & 0xf, payload };
  }

  #need(bytes: number): undefined {
    this.#needed = bytes;
    return undefined;
  }
}
