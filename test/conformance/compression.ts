/**
 * The compression category: permessage-deflate (RFC 7692) against a server
 * started with COMPRESSION=on, in cases modelled on Autobahn|Testsuite's
 * 12.x (compressed messages of several sizes and fragmentations, text and
 * binary, echoed and inflated by the client) and 13.x (the parameter offers:
 * each answer must be a valid acceptance, and the echoes must inflate with the
 * agreed window), plus 14.x, where RFC 7692 says to fail the connection.
 *
 * A runtime that declines an offer (Deno: denoland/deno#7681) gets "n/a" once
 * the case has checked that the decline is clean (101 without the extension)
 * and that the same messages still echo uncompressed; a broken echo is a fail.
 */
import { constants, inflateRawSync } from "node:zlib";
import { compressedFrames, deflateMessage, RSV1, TAIL } from "../harness/deflate.ts";
import { closePayload, encodeFrame, fragments, type Frame, Opcode } from "../harness/frames.ts";
import type { HttpHead, RawWebSocket } from "../harness/raw.ts";
import {
  type Deadlines,
  describeClose,
  expectFailure,
  fail,
  nonStrict,
  notApplicable,
  type Outcome,
  pass,
  receive,
} from "./judge.ts";
import { agreedTerms, type Extension, parseExtensions, type Terms } from "./negotiation.ts";

/** What a compression case needs of its context (cases.ts `CaseContext`, on the COMPRESSION=on server). */
export interface CompressionContext {
  deadlines: Deadlines;
  /** A handshake with these extra headers, whatever its status. */
  handshake(headers?: Record<string, string>): Promise<{ head: HttpHead; socket: RawWebSocket }>;
}

interface CompressionCase {
  id: string;
  category: "compression";
  title: string;
  expected: string;
  server: "compression";
  run(ctx: CompressionContext): Promise<Outcome>;
}

const KiB = 1024;
/** A browser's offer, plus client_no_context_takeover so both sides start every message afresh. */
const OFFER = "permessage-deflate; client_no_context_takeover; client_max_window_bits";
const DECLINED = "offer declined (101 without Sec-WebSocket-Extensions)";

/** One message a case sends: compressed (on a negotiated connection) unless `plain`. */
interface Message {
  opcode: number;
  data: Buffer;
  /** Sent uncompressed even when compression is agreed (RFC 7692 §6: per message). */
  plain?: boolean;
  /** Compressed (or plain) bytes per frame; one frame when unset. */
  fragment?: number;
  /** The compressed payload as given (the RFC's own examples), instead of our deflate of `data`. */
  payload?: Buffer[];
}

/** Compressible text of exactly `size` UTF-8 bytes: words, some not ASCII, in an order that shifts with `seed`. */
function prose(size: number, seed: number): Buffer {
  const words = ["echo", "socket", "frame", "deflate", "message", "runtime", "window", "ünïcødé", "✓", "κόσμε"]
    .map((w) => Buffer.from(`${w} `));
  const parts: Buffer[] = [];
  for (let i = 0, bytes = 0; bytes < size; i++) {
    const word = words[(seed + i * 7 + (i >> 4)) % words.length]!;
    parts.push(word);
    bytes += word.length;
  }
  // Cut to `size` on a character boundary, padded with dots.
  const cut = Buffer.concat(parts).subarray(0, size).toString("utf8").replace(/\uFFFD+$/, "");
  return Buffer.from(cut + ".".repeat(size - Buffer.byteLength(cut)));
}

/** Compressible binary of `size` bytes: 32-byte records with a counter and a few fields. */
function records(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  for (let at = 0, n = seed; at < size; at += 32, n++) {
    const record = Buffer.alloc(32);
    record.writeUInt32BE(n, 0);
    record.writeUInt16BE(n % 7, 4);
    record.write("ws-echo record", 8, "latin1");
    record.copy(out, at);
  }
  return out;
}

/** Bytes that do not compress: deflate makes them a little longer (stored blocks). */
function noise(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = 0x9e3779b9 ^ seed;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A message's frames as the client sends them under `terms` (undefined: nothing agreed, all plain). */
function framesOf(message: Message, terms: Terms | undefined): Buffer[] {
  const { opcode, data, fragment = Infinity } = message;
  if (!terms || message.plain) {
    return fragment === Infinity ? [encodeFrame(opcode, data)] : fragments(opcode, data, fragment);
  }
  if (message.payload) {
    return message.payload.map((part, i, all) =>
      encodeFrame(i ? Opcode.continuation : opcode, part, { fin: i === all.length - 1, rsv: i ? 0 : RSV1 })
    );
  }
  return compressedFrames(opcode, data, fragment, terms.clientWindowBits);
}

/**
 * Inflates the server's compressed messages under the agreed terms. The
 * window is the agreed one, with small output chunks so that a back-reference
 * past it fails ("invalid distance too far back"). Without
 * server_no_context_takeover a message may refer to the ones before it: each is
 * then inflated after all earlier ones (one DEFLATE stream, RFC 7692 §7.2.2).
 */
class ServerInflater {
  #history: Buffer[] = [];
  #produced = 0;

  constructor(readonly terms: Terms) {}

  inflate(payload: Buffer): Buffer {
    const options = {
      windowBits: this.terms.serverWindowBits,
      chunkSize: this.terms.serverWindowBits < 15 ? 64 : 16 * KiB,
      finishFlush: constants.Z_SYNC_FLUSH,
    };
    if (this.terms.serverNoContextTakeover) return inflateRawSync(Buffer.concat([payload, TAIL]), options);
    this.#history.push(payload, TAIL);
    const all = inflateRawSync(Buffer.concat(this.#history), options);
    const out = all.subarray(this.#produced);
    this.#produced = all.length;
    return out;
  }
}

const isData = (f: Frame) => f.opcode === Opcode.text || f.opcode === Opcode.binary || f.opcode === Opcode.continuation;

/**
 * Reads `want.length` echoes and checks each: its type, its data (inflated
 * when RSV1 says compressed), and the reserved bits (RSV1 only on the first
 * frame of a data message, and only when agreed; RSV2 and RSV3 never).
 */
async function expectEchoes(
  socket: RawWebSocket,
  want: Message[],
  terms: Terms | undefined,
  ms: number,
): Promise<Outcome> {
  let complete = 0;
  const got = await receive(socket, ms, Infinity, (f) => isData(f) && f.fin && ++complete >= want.length);
  const inflater = terms && new ServerInflater(terms);
  let compressed = 0;
  let at = 0;
  for (const [i, w] of want.entries()) {
    const frames: Frame[] = [];
    for (; at < got.frames.length; at++) {
      const f = got.frames[at]!;
      if (f.rsv & ~RSV1 || (f.rsv && (!terms || !isData(f) || f.opcode === Opcode.continuation))) {
        return fail(
          `the server set RSV bits ${f.rsv.toString(2).padStart(3, "0")} on a frame of opcode ${f.opcode}${
            terms ? "" : " without compression agreed"
          }`,
        );
      }
      if (!isData(f)) continue;
      frames.push(f);
      if (f.fin) {
        at++;
        break;
      }
    }
    const ended = got.close ? `then ${describeClose(got.close)}` : got.ended ? "then TCP closed" : `within ${ms} ms`;
    if (!frames.at(-1)?.fin) return fail(`${i} of ${want.length} messages echoed, ${ended}`);
    const payload = Buffer.concat(frames.map((f) => f.payload));
    let data: Buffer = payload;
    if (frames[0]!.rsv & RSV1) {
      compressed++;
      try {
        data = inflater!.inflate(payload);
      } catch (error) {
        return fail(`echo ${i + 1} does not inflate with the agreed terms: ${(error as Error).message}`);
      }
    }
    if (frames[0]!.opcode !== w.opcode) {
      return fail(`echo ${i + 1} came back as opcode ${frames[0]!.opcode}, sent as ${w.opcode}`);
    }
    if (!data.equals(w.data)) return fail(`echo ${i + 1}: ${data.length} B differing from the ${w.data.length} B sent`);
  }
  const n = want.length === 1 ? "echoed" : `${want.length} messages echoed in order`;
  return pass(terms ? `${n}, ${compressed} compressed` : n);
}

/** The offer's answer, and the terms it agrees to: undefined when declined, a string when invalid. */
function negotiated(head: HttpHead, offers: Extension[]): Terms | string | undefined {
  const answer = head.headers["sec-websocket-extensions"];
  return answer === undefined ? undefined : agreedTerms(offers, answer);
}

/**
 * Opens with `offer`; when the server accepts, `judge` runs on the agreed
 * terms; when it declines, `messages` are sent uncompressed and must echo
 * (then the verdict is n/a). The socket is dropped after.
 */
async function withOffer(
  ctx: CompressionContext,
  offer: string,
  messages: Message[],
  judge: (socket: RawWebSocket, terms: Terms) => Promise<Outcome>,
): Promise<Outcome> {
  const { head, socket } = await ctx.handshake({ "Sec-WebSocket-Extensions": offer });
  try {
    if (head.status !== 101) return fail(`HTTP ${head.status} to the offer "${offer}"`);
    const terms = negotiated(head, parseExtensions(offer));
    if (typeof terms === "string") return fail(`an invalid answer: ${terms}`);
    if (terms) return await judge(socket, terms);
    socket.send(Buffer.concat(messages.map((m) => framesOf(m, undefined)).flat()));
    const echoed = await expectEchoes(socket, messages, undefined, ctx.deadlines.bulkMs);
    return echoed.verdict === "pass" ? notApplicable(`${DECLINED}; ${echoed.observed} uncompressed`) : echoed;
  } finally {
    socket.destroy();
  }
}

/** Sends `messages` compressed under the agreed terms; every echo must come back and inflate to what was sent. */
const echoCase = (id: string, title: string, messages: () => Message[], offer = OFFER): CompressionCase => ({
  id,
  category: "compression",
  server: "compression",
  title,
  expected: "offer accepted with valid terms; every message echoed, each inflating to what was sent",
  run: (ctx) => {
    const sent = messages();
    return withOffer(ctx, offer, sent, (socket, terms) => {
      socket.send(Buffer.concat(sent.map((m) => framesOf(m, terms)).flat()));
      return expectEchoes(socket, sent, terms, ctx.deadlines.bulkMs);
    });
  },
});

/** After the offer is accepted, `frames` must fail the connection (RFC 7692 §6.1, §7.2.2). */
const failCase = (
  id: string,
  title: string,
  frames: (terms: Terms) => Buffer[],
  codes: readonly number[] = [1002],
): CompressionCase => ({
  id,
  category: "compression",
  server: "compression",
  title,
  expected: `fail the connection with ${codes.join(" or ")}`,
  run: (ctx) =>
    withOffer(ctx, OFFER, [{ opcode: Opcode.text, data: Buffer.from("plain") }], (socket, terms) => {
      socket.send(Buffer.concat(frames(terms)));
      return expectFailure(socket, codes, ctx.deadlines);
    }),
});

function messageCases(): CompressionCase[] {
  // Around the threshold (1024) and up to Autobahn's largest (128 KiB). At most 512 KiB in one write: on Deno
  // (offer declined) the uncompressed echoes of more would pass the 1 MiB send buffer, which closes (flow-control.ts).
  const sizes = [16, 1023, 1024, 16 * KiB, 128 * KiB];
  const count = (size: number) => (size > 64 * KiB ? 4 : 8);
  const several = (opcode: number, make: (size: number, seed: number) => Buffer, size: number) => () =>
    Array.from({ length: count(size) }, (_, seed) => ({ opcode, data: make(size, seed) }));
  const rfc = (payload: number[][]) => () => [{
    opcode: Opcode.text,
    data: Buffer.from("Hello"),
    payload: payload.map((p) => Buffer.from(p)),
  }];
  return [
    ...([["12.1", "text", Opcode.text, prose], ["12.2", "binary", Opcode.binary, records]] as const).flatMap((
      [prefix, type, opcode, make],
    ) =>
      sizes.map((n, i) =>
        echoCase(
          `${prefix}.${i + 1}`,
          `${type}, ${count(n)} compressed messages of ${n} bytes in one write`,
          several(opcode, make, n),
        )
      )
    ),
    echoCase(
      "12.3.1",
      "text, 64 KiB compressed, in 64-byte frames",
      () => [{ opcode: Opcode.text, data: prose(64 * KiB, 1), fragment: 64 }],
    ),
    echoCase(
      "12.3.2",
      "binary, 256 KiB compressed, in 4 KiB frames",
      () => [{ opcode: Opcode.binary, data: records(256 * KiB, 2), fragment: 4 * KiB }],
    ),
    echoCase(
      "12.3.3",
      "text, 1 KiB compressed, in 1-byte frames",
      () => [{ opcode: Opcode.text, data: prose(KiB, 3), fragment: 1 }],
    ),
    echoCase(
      "12.3.4",
      'RFC 7692 §7.2.3.1: "Hello" compressed, in 2 fragments',
      rfc([[0xf2, 0x48, 0xcd], [0xc9, 0xc9, 0x07, 0x00]]),
    ),
    echoCase(
      "12.4.1",
      "binary, 64 KiB that does not compress (deflate makes it longer)",
      () => [{ opcode: Opcode.binary, data: noise(64 * KiB, 1) }],
    ),
    echoCase(
      "12.4.2",
      "20 messages, compressed and plain alternating",
      () =>
        Array.from(
          { length: 20 },
          (_, i) => ({
            opcode: i % 3 ? Opcode.text : Opcode.binary,
            data: i % 3 ? prose(i * 97, i) : records(i * 97, i),
            plain: i % 2 === 1,
          }),
        ),
    ),
    echoCase(
      "12.4.3",
      "an empty compressed text message (payload 0x00)",
      () => [{ opcode: Opcode.text, data: Buffer.alloc(0) }],
    ),
    echoCase(
      "12.4.4",
      "text, 1 MiB of one letter: a frame of about 1 KiB that inflates 1000-fold",
      () => [{ opcode: Opcode.text, data: Buffer.alloc(1024 * KiB, "e") }],
    ),
    echoCase(
      "12.4.5",
      'RFC 7692 §7.2.3.3: "Hello" in a DEFLATE block with BFINAL set',
      rfc([[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00]]),
    ),
    echoCase(
      "12.4.6",
      'RFC 7692 §7.2.3.4: "Hello" in a block with no compression',
      rfc([[0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00]]),
    ),
    echoCase(
      "12.4.7",
      'RFC 7692 §7.2.3.5: "Hello" in two DEFLATE blocks',
      rfc([[0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00]]),
    ),
  ];
}

/** Three messages each 13.x case sends under the terms it agreed: below the threshold, and over it. */
const mixed = () => [
  { opcode: Opcode.text, data: prose(100, 13) },
  { opcode: Opcode.text, data: prose(8 * KiB, 14) },
  { opcode: Opcode.binary, data: records(64 * KiB, 15) },
];

function offerCases(): CompressionCase[] {
  const offer = (id: string, params: string, title = `offer: permessage-deflate${params}`) =>
    echoCase(id, title, mixed, `permessage-deflate${params}`);
  return [
    offer("13.1", ""),
    offer("13.2", "; client_no_context_takeover"),
    offer("13.3", "; server_no_context_takeover"),
    offer("13.4", "; client_max_window_bits", "offer: permessage-deflate; client_max_window_bits (a browser's offer)"),
    ...[9, 12, 15].map((bits, i) => offer(`13.5.${i + 1}`, `; client_max_window_bits=${bits}`)),
    ...[9, 12, 15].map((bits, i) => offer(`13.6.${i + 1}`, `; server_max_window_bits=${bits}`)),
    offer(
      "13.7",
      "; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=10",
      "offer: all four parameters, both windows 10 bits",
    ),
    echoCase(
      "13.8",
      "three offers in one header, the first with 10-bit windows",
      mixed,
      "permessage-deflate; server_max_window_bits=10; client_max_window_bits=10, permessage-deflate; client_max_window_bits, permessage-deflate",
    ),
    echoCase(
      "13.9",
      "an unknown extension offered first, then permessage-deflate",
      mixed,
      `x-ws-echo-unknown; level=1, ${OFFER}`,
    ),
    {
      id: "13.10",
      category: "compression",
      server: "compression",
      title: "an invalid offer (server_max_window_bits=7) is declined",
      expected: "101 without the extension (RFC 7692 §7.1.2.1), and the echo works uncompressed",
      run: async (ctx) => {
        const offer = "permessage-deflate; server_max_window_bits=7";
        const { head, socket } = await ctx.handshake({ "Sec-WebSocket-Extensions": offer });
        try {
          const answer = head.headers["sec-websocket-extensions"];
          if (head.status !== 101) {
            return nonStrict(`refused the handshake with HTTP ${head.status} instead of declining the offer`);
          }
          if (answer !== undefined) return fail(`accepted the invalid offer: "${answer}"`);
          const message = { opcode: Opcode.text, data: Buffer.from("declined") };
          socket.send(framesOf(message, undefined)[0]!);
          const echoed = await expectEchoes(socket, [message], undefined, ctx.deadlines.reactMs);
          return echoed.verdict === "pass" ? pass(`declined; ${echoed.observed} uncompressed`) : echoed;
        } finally {
          socket.destroy();
        }
      },
    },
  ];
}

function failureCases(): CompressionCase[] {
  /** A whole compressed message in one frame. */
  const whole = (terms: Terms) =>
    compressedFrames(Opcode.text, prose(4 * KiB, 9), Infinity, terms.clientWindowBits)[0]!;
  return [
    failCase("14.1", "RSV1 on a ping", () => [encodeFrame(Opcode.ping, Buffer.from("rsv1"), { rsv: RSV1 })]),
    failCase("14.2", "RSV1 on a continuation frame", (terms) => {
      const data = prose(4 * KiB, 9);
      const half = Math.ceil(deflateMessage(data, terms.clientWindowBits).length / 2);
      const frames = compressedFrames(Opcode.text, data, half, terms.clientWindowBits);
      // The second frame carries RSV1 too; only the first frame of a message may.
      const second = frames[1]!;
      second[0]! |= RSV1 << 4;
      return frames;
    }),
    failCase("14.3", "RSV1 on a close frame", () => [encodeFrame(Opcode.close, closePayload(1000), { rsv: RSV1 })]),
    failCase(
      "14.4",
      "a compressed message whose DEFLATE data is corrupt",
      () => [encodeFrame(Opcode.text, Buffer.from([0xff, 0xff, 0xff, 0xff]), { rsv: RSV1 })],
      [1007, 1002],
    ),
    failCase("14.5", "RSV2 on a compressed message", (terms) => {
      const frame = whole(terms);
      frame[0]! |= 0b010 << 4;
      return [frame];
    }),
    {
      id: "14.6",
      category: "compression",
      server: "compression",
      title: "a compressed frame on a connection that offered nothing",
      expected: "fail the connection with 1002 (RSV1 means nothing without the extension)",
      run: async (ctx) => {
        const { head, socket } = await ctx.handshake();
        try {
          if (head.status !== 101) return fail(`HTTP ${head.status}`);
          const answer = head.headers["sec-websocket-extensions"];
          if (answer !== undefined) return fail(`an extension agreed that was never offered: "${answer}"`);
          socket.send(compressedFrames(Opcode.text, prose(2 * KiB, 6))[0]!);
          return await expectFailure(socket, [1002], ctx.deadlines);
        } finally {
          socket.destroy();
        }
      },
    },
  ];
}

export const COMPRESSION_CASES: readonly CompressionCase[] = [...messageCases(), ...offerCases(), ...failureCases()];
