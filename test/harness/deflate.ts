/**
 * The one permessage-deflate (RFC 7692) codec of the tests: what a client's
 * compressed message looks like on the wire, and what a server's means. No
 * context takeover: each message on its own, as ws-echo negotiates.
 */
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import { encodeFrame, type Frame, Opcode } from "./frames.ts";

/** RSV1 in a frame's `rsv` field (bits 4-6 of its first byte): "this message is compressed". */
export const RSV1 = 0b100;
/** The empty stored block every sync flush ends with, left off on the wire (RFC 7692 §7.2.1). */
export const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A message's compressed payload: raw DEFLATE, sync-flushed, without the trailing 00 00 ff ff. */
export function deflateMessage(data: Uint8Array, windowBits = 15): Buffer {
  const out = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, windowBits });
  if (!out.subarray(out.length - 4).equals(TAIL)) throw new Error("a sync flush ends with 00 00 ff ff");
  return out.subarray(0, out.length - 4);
}

/** A compressed message's data (RFC 7692 §7.2.2: the tail appended, then inflated). */
export function inflateMessage(payload: Uint8Array): Buffer {
  return inflateRawSync(Buffer.concat([payload, TAIL]), { finishFlush: constants.Z_SYNC_FLUSH });
}

/** One compressed message as masked frames: RSV1 on the first frame only, `size` compressed bytes each. */
export function compressedFrames(opcode: number, data: Uint8Array, size = Infinity, windowBits = 15): Buffer[] {
  const payload = deflateMessage(data, windowBits);
  const frames: Buffer[] = [];
  for (let at = 0; at === 0 || at < payload.length; at += size) {
    const fin = at + size >= payload.length;
    const chunk = payload.subarray(at, at + size);
    frames.push(encodeFrame(at === 0 ? opcode : Opcode.continuation, chunk, { fin, rsv: at === 0 ? RSV1 : 0 }));
  }
  return frames;
}

/** A whole message from the server's frames (control frames apart): its opcode, whether compressed, its data. */
export interface Message {
  opcode: number;
  compressed: boolean;
  data: Buffer;
}

/** Joins data frames into one message, inflating it when its first frame has RSV1. */
export function messageOf(frames: Frame[]): Message {
  const [first] = frames;
  if (!first) throw new Error("no frames");
  const compressed = (first.rsv & RSV1) !== 0;
  const payload = Buffer.concat(frames.map((frame) => frame.payload));
  return { opcode: first.opcode, compressed, data: compressed ? inflateMessage(payload) : payload };
}
