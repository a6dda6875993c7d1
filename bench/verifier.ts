/**
 * Checks every echo as its bytes arrive: frame type, length, every byte, and
 * order, against the message the connection sent in that position. A lost,
 * duplicated, reordered, truncated or corrupted echo throws `EchoError`: the
 * run fails, it never becomes a statistic.
 *
 * Payload bytes are compared in place (memcmp over the received chunk), so a
 * 1 MiB echo split over many TCP reads is never joined or copied. A compressed
 * echo (RSV1, where the connection negotiated permessage-deflate) is gathered
 * whole, then inflated with the connection's terms and compared
 * (bench/compression.ts).
 */
import { Opcode } from "../test/harness/frames.ts";
import type { CompressedEchoes, DeflateTerms } from "./compression.ts";
import type { MessageRing } from "./frames.ts";

export class EchoError extends Error {
  override name = "EchoError";
}

const HEADER = 0;
const DATA = 1;
const CONTROL = 2;

export interface VerifierEvents {
  /** A ping from the server: the connection answers with a pong carrying `payload`. */
  onPing?(payload: Buffer): void;
  /** The server's close frame. */
  onClose?(code: number, reason: string): void;
}

/** A connection that negotiated permessage-deflate: how to read its compressed echoes. */
export interface VerifierDeflate {
  terms: DeflateTerms;
  /** Shared by a set's connections. */
  echoes: CompressedEchoes;
  /**
   * Echoes of messages this long or longer must come back compressed (the
   * servers' threshold): a server that negotiated and then compressed nothing
   * would make a compressed line meaningless. Undefined: no such check.
   */
  compressedFrom?: number;
}

export class EchoVerifier {
  /** Messages the connection has sent; the connection increments it. An echo beyond it is an error. */
  sent = 0;
  /** Echoes received whole and verified. */
  received = 0;

  readonly #ring: MessageRing;
  readonly #events: VerifierEvents;
  #state = HEADER;
  readonly #header = Buffer.alloc(14);
  #headerHave = 0;
  #headerNeed = 2;
  #fin = false;
  /** Bytes of the current frame still to come. */
  #remaining = 0;
  /** Inside a fragmented message: continuation frames follow. */
  #fragmented = false;
  #expected: Buffer = Buffer.alloc(0);
  /** Bytes of the current message verified so far (across fragments). */
  #offset = 0;
  #controlOpcode = 0;
  #control: Buffer = Buffer.alloc(0);
  #controlHave = 0;
  readonly #deflate: VerifierDeflate | undefined;
  /** The current message is compressed: its payload is gathered in `#parts` until its last frame. */
  #compressed = false;
  #parts: Buffer[] = [];
  #partsBytes = 0;
  /** Echoes that came back compressed. */
  compressedEchoes = 0;

  constructor(ring: MessageRing, events: VerifierEvents = {}, deflate?: VerifierDeflate) {
    this.#ring = ring;
    this.#events = events;
    this.#deflate = deflate;
  }

  /** Whether the parser sits between frames (no partial frame buffered). */
  get idle(): boolean {
    return this.#state === HEADER && this.#headerHave === 0 && !this.#fragmented;
  }

  /** Feeds bytes from the server, from `start`; returns how many echoes they completed. */
  push(chunk: Buffer, start = 0): number {
    let pos = start;
    let completed = 0;
    const end = chunk.length;
    while (pos < end) {
      if (this.#state === HEADER) {
        const take = Math.min(this.#headerNeed - this.#headerHave, end - pos);
        chunk.copy(this.#header, this.#headerHave, pos, pos + take);
        this.#headerHave += take;
        pos += take;
        if (this.#headerHave < this.#headerNeed) continue;
        if (this.#headerNeed === 2) {
          const code = this.#header[1]! & 0x7f;
          const extra = code === 126 ? 2 : code === 127 ? 8 : 0;
          if (this.#header[1]! & 0x80) throw this.#error("the server sent a masked frame (RFC 6455 §5.1 forbids it)");
          if (extra > 0) {
            this.#headerNeed = 2 + extra;
            continue;
          }
        }
        if (this.#startFrame() && this.#finishFrame()) completed++;
      } else if (this.#state === DATA) {
        const n = Math.min(this.#remaining, end - pos);
        if (this.#compressed) {
          this.#parts.push(chunk.subarray(pos, pos + n));
          this.#partsBytes += n;
        } else if (chunk.compare(this.#expected, this.#offset, this.#offset + n, pos, pos + n) !== 0) {
          throw this.#error(`corrupted echo: bytes ${this.#offset}..${this.#offset + n} differ from what was sent`);
        }
        this.#offset += n;
        this.#remaining -= n;
        pos += n;
        if (this.#remaining === 0 && this.#finishFrame()) completed++;
      } else {
        const n = Math.min(this.#remaining, end - pos);
        chunk.copy(this.#control, this.#controlHave, pos, pos + n);
        this.#controlHave += n;
        this.#remaining -= n;
        pos += n;
        if (this.#remaining === 0) this.#finishFrame();
      }
    }
    return completed;
  }

  /** Parses the complete header; returns true when the frame has no payload left to read. */
  #startFrame(): boolean {
    const h = this.#header;
    const b0 = h[0]!;
    const code = h[1]! & 0x7f;
    let length = code;
    if (code === 126) length = h.readUInt16BE(2);
    else if (code === 127) {
      if (h.readUInt32BE(2) !== 0) throw this.#error("a frame longer than 4 GiB");
      length = h.readUInt32BE(6);
    }
    this.#headerHave = 0;
    this.#headerNeed = 2;
    this.#fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    const rsv1 = (b0 & 0x40) !== 0;
    if ((b0 & 0x30) || (rsv1 && !this.#deflate)) throw this.#error("RSV bits set without a negotiated extension");
    // RFC 7692 §6.1: RSV1 on the first frame of a data message only.
    if (rsv1 && (opcode >= 0x8 || opcode === Opcode.continuation)) {
      throw this.#error(`RSV1 on a ${opcode >= 0x8 ? "control" : "continuation"} frame (RFC 7692 §6.1)`);
    }
    this.#remaining = length;
    if (opcode >= 0x8) {
      if (!this.#fin || length > 125) throw this.#error(`malformed control frame (opcode ${opcode})`);
      this.#controlOpcode = opcode;
      this.#control = Buffer.alloc(length);
      this.#controlHave = 0;
      this.#state = CONTROL;
      return length === 0;
    }
    if (opcode === Opcode.continuation) {
      if (!this.#fragmented) throw this.#error("a continuation frame outside a fragmented message");
    } else if (opcode === Opcode.text || opcode === Opcode.binary) {
      if (this.#fragmented) throw this.#error("a new message inside a fragmented one");
      if (this.received >= this.sent) {
        throw this.#error(`an echo that was never sent (echo #${this.received + 1}, ${this.sent} sent)`);
      }
      const slot = this.received % this.#ring.size;
      const want = this.#ring.opcodes[slot]!;
      if (opcode !== want) {
        throw this.#error(`wrong type: got ${name(opcode)}, sent ${name(want)}`);
      }
      this.#expected = this.#ring.payloads[slot]!;
      this.#offset = 0;
      this.#compressed = rsv1;
      this.#parts = [];
      this.#partsBytes = 0;
      const from = this.#deflate?.compressedFrom;
      if (!rsv1 && from !== undefined && this.#expected.length >= from) {
        throw this.#error(
          `a ${this.#expected.length}-byte echo came back uncompressed, though permessage-deflate was negotiated ` +
            `and the server compresses from ${from} bytes`,
        );
      }
    } else {
      throw this.#error(`reserved opcode ${opcode}`);
    }
    if (this.#compressed) {
      // Deflate adds at most a few bytes per 16 KiB block to data that does not compress.
      if (this.#partsBytes + length > this.#expected.length + (this.#expected.length >> 6) + 64) {
        throw this.#error(
          `wrong length: a compressed echo of ${this.#partsBytes + length} bytes or more, ` +
            `${this.#expected.length} sent`,
        );
      }
    } else if (this.#offset + length > this.#expected.length) {
      throw this.#error(
        `wrong length: the echo has at least ${this.#offset + length} bytes, ${this.#expected.length} sent`,
      );
    }
    this.#fragmented = !this.#fin;
    this.#state = DATA;
    return length === 0;
  }

  /** The current frame is complete; returns true when it completed an echo. */
  #finishFrame(): boolean {
    const state = this.#state;
    this.#state = HEADER;
    if (state === CONTROL) {
      if (this.#controlOpcode === Opcode.ping) this.#events.onPing?.(this.#control);
      else if (this.#controlOpcode === Opcode.close) {
        const code = this.#control.length >= 2 ? this.#control.readUInt16BE(0) : 1005;
        this.#events.onClose?.(code, this.#control.subarray(2).toString());
      }
      return false;
    }
    if (!this.#fin) return false;
    if (this.#compressed) {
      const parts = this.#parts;
      this.#parts = [];
      const payload = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.#partsBytes);
      const slot = this.received % this.#ring.size;
      try {
        this.#deflate!.echoes.verify(slot, payload, this.#expected, this.#deflate!.terms.serverMaxWindowBits);
      } catch (error) {
        throw this.#error((error as Error).message);
      }
      this.compressedEchoes++;
    } else if (this.#offset !== this.#expected.length) {
      throw this.#error(`wrong length: the echo has ${this.#offset} bytes, ${this.#expected.length} sent`);
    }
    this.received++;
    return true;
  }

  #error(what: string): EchoError {
    return new EchoError(`${what} (at echo #${this.received + 1}, ${this.sent} sent)`);
  }
}

function name(opcode: number): string {
  return opcode === Opcode.text ? "text" : opcode === Opcode.binary ? "binary" : `opcode ${opcode}`;
}
