/**
 * The conformance cases, numbered after the Autobahn|Testsuite categories they
 * are modelled on (0 handshake, 1 framing, 2 ping/pong, 3 reserved bits,
 * 4 opcodes, 5 fragmentation, 6 UTF-8, 7 close, 9 limits, 10 robustness;
 * 12-14 compression, in compression.ts).
 * Each says what RFC 6455 expects and judges the server against it (judge.ts).
 */
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { closePayload, encodeFrame, fragments, type Frame, Opcode } from "../harness/frames.ts";
import { pattern, utf8 } from "../harness/payloads.ts";
import { type HttpHead, RawWebSocket } from "../harness/raw.ts";
import { sleep, within } from "../harness/deadline.ts";
import { COMPRESSION_CASES } from "./compression.ts";
import {
  type Deadlines,
  expectCloseReply,
  expectEcho,
  type Expected,
  expectFailure,
  fail,
  nonStrict,
  type Outcome,
  pass,
  receive,
} from "./judge.ts";

export interface CaseContext {
  port: number;
  deadlines: Deadlines;
  /** A completed handshake (101), or an error saying what came instead. */
  open(): Promise<RawWebSocket>;
  /** A handshake with these extra headers, whatever its status (compression.ts). */
  handshake(headers?: Record<string, string>): Promise<{ head: HttpHead; socket: RawWebSocket }>;
}

export interface ConformanceCase {
  id: string;
  category: string;
  title: string;
  /** What RFC 6455 (or our documented limit) expects. */
  expected: string;
  /** "compression": runs against a second server started with COMPRESSION=on (run.ts). */
  server?: "compression";
  run(ctx: CaseContext): Promise<Outcome>;
}

const MiB = 1024 * 1024;
const PROTOCOL_ERROR = [1002];
const INVALID_PAYLOAD = [1007];

const text = (s: string | Buffer): Expected => ({ opcode: Opcode.text, payload: Buffer.from(s) });
const binary = (b: Buffer): Expected => ({ opcode: Opcode.binary, payload: b });
const frame = encodeFrame;

/** Opens, sends `bytes`, and judges with `judge`; the socket is always dropped after. */
async function session(
  ctx: CaseContext,
  bytes: Buffer | Buffer[],
  judge: (socket: RawWebSocket) => Promise<Outcome>,
): Promise<Outcome> {
  const socket = await ctx.open();
  try {
    socket.send(Array.isArray(bytes) ? Buffer.concat(bytes) : bytes);
    return await judge(socket);
  } finally {
    socket.destroy();
  }
}

const echoCase = (id: string, category: string, title: string, frames: Buffer[], want: Expected[], bulk = false) => ({
  id,
  category,
  title,
  expected: want.length === 1 ? "echoed as sent" : `${want.length} messages echoed in order`,
  run: (ctx: CaseContext) =>
    session(ctx, frames, (s) => expectEcho(s, want, bulk ? ctx.deadlines.bulkMs : ctx.deadlines.reactMs)),
});

const failCase = (
  id: string,
  category: string,
  title: string,
  frames: Buffer[],
  codes: readonly number[] = PROTOCOL_ERROR,
  first: Expected[] = [],
) => ({
  id,
  category,
  title,
  expected: `${first.length ? `${first.length} echo(es), then ` : ""}fail the connection with ${codes.join(" or ")}`,
  run: (ctx: CaseContext) => session(ctx, frames, (s) => expectFailure(s, codes, ctx.deadlines, first)),
});

const closeEchoCase = (id: string, title: string, code: number | undefined, reason = "") => ({
  id,
  category: "close",
  title,
  expected: code === undefined ? "an empty close frame back, then TCP closed" : `close ${code} echoed, then TCP closed`,
  run: (ctx: CaseContext) =>
    session(
      ctx,
      frame(Opcode.close, code === undefined ? new Uint8Array() : closePayload(code, reason)),
      (s) => expectCloseReply(s, code, reason, ctx.deadlines),
    ),
});

/**
 * Cases whose frames are made when they run (some are megabytes). With
 * `close`, the client's close 1000 follows the messages in the same write:
 * every message echoed in order, then the close echoed (issue #32: Bun once
 * answered such a close with 1008).
 */
const madeCase = (
  id: string,
  category: string,
  title: string,
  make: () => [Buffer[], Expected[]],
  { close = false } = {},
) => ({
  id,
  category,
  title,
  expected: close ? "every message echoed in order, then close 1000 echoed" : "echoed as sent",
  run: (ctx: CaseContext) => {
    const [frames, want] = make();
    const sent = close ? [...frames, frame(Opcode.close, closePayload(1000))] : frames;
    return session(ctx, sent, async (s) => {
      const echoed = await expectEcho(s, want, ctx.deadlines.bulkMs);
      if (!close || echoed.verdict !== "pass") return echoed;
      const closed = await expectCloseReply(s, 1000, "", ctx.deadlines);
      return { ...closed, observed: `${echoed.observed}, then ${closed.observed}` };
    });
  },
});

/**
 * The status of the answer to a hand-written GET, read up to the end of the
 * head: a 426 with `Connection: Upgrade` keeps the connection open, so waiting
 * for its end would wait for nothing.
 */
async function responseStatus(
  port: number,
  path: string,
  headers: Record<string, string>,
  ms: number,
): Promise<number> {
  const socket = connect(port, "127.0.0.1");
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  let received = "";
  try {
    return await within(
      ms,
      `the answer to GET ${path}`,
      new Promise<number>((resolve, reject) => {
        socket.on("data", (chunk) => {
          received += chunk.toString("latin1");
          const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
          if (received.includes("\r\n\r\n") && status) resolve(Number(status[1]));
        });
        socket.once("error", reject);
        socket.once(
          "close",
          () => reject(new Error(`closed before an HTTP head: ${JSON.stringify(received.slice(0, 100))}`)),
        );
      }),
    );
  } finally {
    socket.destroy();
  }
}

function handshakeCases(): ConformanceCase[] {
  const key = "dGhlIHNhbXBsZSBub25jZQ==";
  const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  const status = (id: string, title: string, want: number, path: string, headers: Record<string, string>) => ({
    id,
    category: "handshake",
    title,
    expected: `HTTP ${want}`,
    run: async (ctx: CaseContext) => {
      const status = await responseStatus(ctx.port, path, headers, ctx.deadlines.reactMs);
      return status === want ? pass(`HTTP ${status}`) : fail(`HTTP ${status}, expected ${want}`);
    },
  });
  const ws = { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13" };
  return [
    {
      id: "0.1",
      category: "handshake",
      title: "valid handshake: 101 with the right Sec-WebSocket-Accept",
      expected: `101, Sec-WebSocket-Accept ${accept}`,
      run: async (ctx) => {
        const { head, socket } = await RawWebSocket.open(ctx.port, { headers: { "Sec-WebSocket-Key": key } });
        socket.destroy();
        if (head.status !== 101) return fail(`HTTP ${head.status}`);
        const got = head.headers["sec-websocket-accept"];
        return got === accept ? pass("101, accept key right") : fail(`101 with Sec-WebSocket-Accept ${got}`);
      },
    },
    status("0.2", "Sec-WebSocket-Version 8: 426 naming version 13", 426, "/ws", {
      ...ws,
      "Sec-WebSocket-Version": "8",
    }),
    status("0.3", "an empty Sec-WebSocket-Key: 400", 400, "/ws", { ...ws, "Sec-WebSocket-Key": "" }),
    status("0.4", "a key that is not 16 bytes of base64: 400", 400, "/ws", { ...ws, "Sec-WebSocket-Key": "short" }),
    status("0.5", "a handshake on another path: 404", 404, "/elsewhere", ws),
    status("0.6", "a plain GET on /ws: 426", 426, "/ws", {}),
  ];
}

function framingCases(): ConformanceCase[] {
  const sizes = [0, 125, 126, 127, 128, 65535, 65536];
  return [
    ...sizes.map((n, i) =>
      echoCase(`1.1.${i + 1}`, "framing", `text, ${n} bytes`, [frame(Opcode.text, utf8(n))], [text(utf8(n))])
    ),
    ...sizes.map((n, i) =>
      echoCase(`1.2.${i + 1}`, "framing", `binary, ${n} bytes`, [frame(Opcode.binary, pattern(n))], [
        binary(pattern(n)),
      ])
    ),
    {
      id: "1.3.1",
      category: "framing",
      title: "binary 65536 bytes written 997 bytes at a time",
      expected: "echoed as sent",
      run: async (ctx) => {
        const socket = await ctx.open();
        try {
          const bytes = frame(Opcode.binary, pattern(65536, 3));
          for (let i = 0; i < bytes.length; i += 997) {
            socket.send(bytes.subarray(i, i + 997));
            if (i % (997 * 8) === 0) await sleep(1);
          }
          return await expectEcho(socket, [binary(pattern(65536, 3))], ctx.deadlines.reactMs);
        } finally {
          socket.destroy();
        }
      },
    },
    echoCase("1.3.2", "framing", "text and binary alternating, 20 messages in one write", [
      ...Array.from({ length: 20 }, (_, i) => frame(i % 2 ? Opcode.binary : Opcode.text, Buffer.from(`m${i}`))),
    ], Array.from({ length: 20 }, (_, i) => (i % 2 ? binary(Buffer.from(`m${i}`)) : text(`m${i}`)))),
    failCase("1.4.1", "framing", "64-bit length with the most significant bit set", [
      Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]),
    ], [1002, 1009]),
  ];
}

function pingCases(): ConformanceCase[] {
  const pong = (id: string, title: string, payload: Buffer) => ({
    id,
    category: "ping/pong",
    title,
    expected: "a pong with the same payload",
    run: (ctx: CaseContext) =>
      session(ctx, frame(Opcode.ping, payload), async (s) => {
        const isPong = (f: Frame) => f.opcode === Opcode.pong;
        const got = await receive(s, ctx.deadlines.reactMs, Infinity, isPong);
        const p = got.frames.find(isPong);
        if (!p) return fail(got.close ? "closed instead of answering the ping" : "no pong");
        return p.payload.equals(payload)
          ? pass("pong with the payload")
          : fail(`pong with ${p.payload.length} B, not the ping's`);
      }),
  });
  return [
    pong("2.1", "ping without payload", Buffer.alloc(0)),
    pong("2.2", "ping with a 125-byte text payload", utf8(125)),
    pong("2.3", "ping with a 125-byte binary payload", pattern(125, 5)),
    failCase("2.4", "ping/pong", "ping with a 126-byte payload (control frames carry at most 125)", [
      frame(Opcode.ping, pattern(126)),
    ]),
    echoCase("2.5", "ping/pong", "an unsolicited pong is ignored", [
      frame(Opcode.pong, Buffer.from("unsolicited")),
      frame(Opcode.text, Buffer.from("after pong")),
    ], [text("after pong")]),
    {
      id: "2.6",
      category: "ping/pong",
      title: "10 pings in one write: 10 pongs, in order",
      expected: "10 pongs with their payloads, in order (§5.5.3 allows answering only the last)",
      run: (ctx) =>
        session(ctx, Array.from({ length: 10 }, (_, i) => frame(Opcode.ping, Buffer.from(`p${i}`))), async (s) => {
          const pongs: string[] = [];
          const end = Date.now() + ctx.deadlines.reactMs;
          while (pongs.length < 10 && Date.now() < end) {
            const got = await receive(s, Math.max(1, end - Date.now()), 1, (f) => f.opcode === Opcode.pong);
            for (const f of got.frames) if (f.opcode === Opcode.pong) pongs.push(f.payload.toString());
            if (got.close || got.ended || got.timedOut) break;
          }
          const want = Array.from({ length: 10 }, (_, i) => `p${i}`);
          if (pongs.join() === want.join()) return pass("10 pongs in order");
          // §5.5.3: an endpoint MAY answer only the most recent of pings it has not answered yet.
          const inOrder = pongs.every((p, i) => i === 0 || want.indexOf(p) > want.indexOf(pongs[i - 1]!));
          if (pongs.at(-1) === "p9" && inOrder) {
            return nonStrict(`only ${pongs.join(" ")} answered (allowed by §5.5.3)`);
          }
          return fail(`pongs: ${pongs.join(" ") || "none"}`);
        }),
    },
  ];
}

function reservedBitCases(): ConformanceCase[] {
  return [
    failCase("3.1", "reserved bits", "text with RSV1 (no extension negotiated)", [
      frame(Opcode.text, Buffer.from("rsv1"), { rsv: 4 }),
    ]),
    failCase(
      "3.2",
      "reserved bits",
      "text, then text with RSV2, then a ping",
      [
        frame(Opcode.text, Buffer.from("ok")),
        frame(Opcode.text, Buffer.from("rsv2"), { rsv: 2 }),
        frame(Opcode.ping),
      ],
      PROTOCOL_ERROR,
      [text("ok")],
    ),
    failCase("3.3", "reserved bits", "binary with RSV3", [frame(Opcode.binary, pattern(8), { rsv: 1 })]),
    failCase("3.4", "reserved bits", "ping with RSV1+2+3", [frame(Opcode.ping, Buffer.from("x"), { rsv: 7 })]),
    failCase("3.5", "reserved bits", "close with RSV1", [frame(Opcode.close, closePayload(1000), { rsv: 4 })]),
  ];
}

function opcodeCases(): ConformanceCase[] {
  return [
    ...[3, 4, 5, 6, 7].map((op, i) =>
      failCase(`4.1.${i + 1}`, "opcodes", `reserved data opcode ${op}`, [frame(op, Buffer.from("reserved"))])
    ),
    ...[0xb, 0xc, 0xd, 0xe, 0xf].map((op, i) =>
      failCase(`4.2.${i + 1}`, "opcodes", `reserved control opcode ${op}`, [frame(op, Buffer.from("reserved"))])
    ),
    failCase(
      "4.3",
      "opcodes",
      "text, then reserved opcode 5, then a ping",
      [
        frame(Opcode.text, Buffer.from("ok")),
        frame(5),
        frame(Opcode.ping),
      ],
      PROTOCOL_ERROR,
      [text("ok")],
    ),
  ];
}

function fragmentationCases(): ConformanceCase[] {
  const parts = (op: number, chunks: Buffer[], options: { ping?: number } = {}) =>
    chunks.flatMap((c, i) => {
      const f = frame(i === 0 ? op : Opcode.continuation, c, { fin: i === chunks.length - 1 });
      return i === options.ping ? [frame(Opcode.ping, Buffer.from("mid")), f] : [f];
    });
  const hundred = Array.from({ length: 100 }, (_, i) => Buffer.from(`f${i};`));
  return [
    echoCase(
      "5.1",
      "fragmentation",
      "text in 2 fragments",
      parts(Opcode.text, [Buffer.from("frag"), Buffer.from("mented")]),
      [
        text("fragmented"),
      ],
    ),
    echoCase("5.2", "fragmentation", "binary in 100 fragments", parts(Opcode.binary, hundred), [
      binary(Buffer.concat(hundred)),
    ]),
    {
      id: "5.3",
      category: "fragmentation",
      title: "text in 3 fragments with a ping between them",
      expected: "a pong, then the whole message",
      run: (ctx) =>
        session(
          ctx,
          parts(Opcode.text, [Buffer.from("a"), Buffer.from("b"), Buffer.from("c")], { ping: 1 }),
          async (s) => {
            const got = await receive(s, ctx.deadlines.reactMs, 1);
            const pongAt = got.frames.findIndex((f) => f.opcode === Opcode.pong);
            const dataAt = got.frames.findIndex((f) => f.opcode === Opcode.text);
            if (dataAt < 0) return fail(got.close ? "closed instead of echoing" : "no echo");
            if (got.frames[dataAt]!.payload.toString() !== "abc") return fail("echo differs");
            if (pongAt < 0) {
              const late = await receive(s, 500);
              return late.frames.some((f) => f.opcode === Opcode.pong) ? pass("echo, then pong") : fail("no pong");
            }
            return pass(pongAt < dataAt ? "pong, then echo" : "echo, then pong");
          },
        ),
    },
    echoCase(
      "5.4",
      "fragmentation",
      "empty fragments: text fin=0 empty, continuation empty, continuation fin=1 empty",
      [
        frame(Opcode.text, Buffer.alloc(0), { fin: false }),
        frame(Opcode.continuation, Buffer.alloc(0), { fin: false }),
        frame(Opcode.continuation, Buffer.alloc(0)),
      ],
      [text("")],
    ),
    // Autobahn 9.3/9.4's kind: a legal message split very finely (Node's `ws` once refused it: issue #32).
    madeCase("5.12", "fragmentation", "text, 4 MiB in 64-byte fragments", () => {
      const message = utf8(4 * MiB);
      return [fragments(Opcode.text, message, 64), [text(message)]];
    }),
    madeCase("5.13", "fragmentation", "binary, 4 MiB in 64-byte fragments", () => {
      const message = pattern(4 * MiB, 13);
      return [fragments(Opcode.binary, message, 64), [binary(message)]];
    }),
    failCase("5.5", "fragmentation", "fragmented ping (fin=0)", [
      frame(Opcode.ping, Buffer.from("a"), { fin: false }),
      frame(Opcode.continuation, Buffer.from("b")),
    ]),
    failCase("5.6", "fragmentation", "fragmented pong (fin=0)", [
      frame(Opcode.pong, Buffer.from("a"), { fin: false }),
      frame(Opcode.continuation, Buffer.from("b")),
    ]),
    failCase("5.7", "fragmentation", "fragmented close (fin=0)", [
      frame(Opcode.close, closePayload(1000), { fin: false }),
      frame(Opcode.continuation, Buffer.alloc(0)),
    ]),
    failCase("5.8", "fragmentation", "orphan continuation, fin=1", [frame(Opcode.continuation, Buffer.from("orphan"))]),
    failCase("5.9", "fragmentation", "orphan continuation, fin=0, then fin=1", [
      frame(Opcode.continuation, Buffer.from("or"), { fin: false }),
      frame(Opcode.continuation, Buffer.from("phan")),
    ]),
    failCase("5.10", "fragmentation", "text fin=0, then a new text frame instead of a continuation", [
      frame(Opcode.text, Buffer.from("one"), { fin: false }),
      frame(Opcode.text, Buffer.from("two")),
    ]),
    failCase(
      "5.11",
      "fragmentation",
      "a whole text, then a stray continuation",
      [
        frame(Opcode.text, Buffer.from("whole")),
        frame(Opcode.continuation, Buffer.from("stray")),
      ],
      PROTOCOL_ERROR,
      [text("whole")],
    ),
  ];
}

function utf8Cases(): ConformanceCase[] {
  const valid = Buffer.from("κόσμε · Hello-µ@ßöäüàá-UTF-8!! · 😀 · \u{10FFFF}");
  const euro = Buffer.from("€"); // E2 82 AC
  const invalid = (id: string, title: string, bytes: number[]) =>
    failCase(id, "UTF-8", title, [frame(Opcode.text, Buffer.from(bytes))], INVALID_PAYLOAD);
  return [
    echoCase("6.1", "UTF-8", "valid multi-byte text in one frame", [frame(Opcode.text, valid)], [text(valid)]),
    echoCase("6.2", "UTF-8", "valid text split inside a code point across 3 fragments", [
      frame(Opcode.text, Buffer.concat([Buffer.from("a"), euro.subarray(0, 1)]), { fin: false }),
      frame(Opcode.continuation, euro.subarray(1, 2), { fin: false }),
      frame(Opcode.continuation, Buffer.concat([euro.subarray(2), Buffer.from("b")])),
    ], [text("a€b")]),
    echoCase("6.3", "UTF-8", "valid text split into 1-byte fragments", [
      ...[...valid].map((b, i, all) =>
        frame(i ? Opcode.continuation : Opcode.text, Buffer.from([b]), { fin: i === all.length - 1 })
      ),
    ], [text(valid)]),
    invalid("6.4", "invalid byte 0xFF", [0x61, 0xff, 0x62]),
    invalid("6.5", "overlong encoding of '/' (C0 AF)", [0xc0, 0xaf]),
    invalid("6.6", "overlong 3-byte NUL (E0 80 80)", [0xe0, 0x80, 0x80]),
    invalid("6.7", "UTF-16 surrogate U+D800 (ED A0 80)", [0xed, 0xa0, 0x80]),
    invalid("6.8", "surrogate pair encoded as two 3-byte sequences", [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80]),
    invalid("6.9", "code point above U+10FFFF (F4 90 80 80)", [0xf4, 0x90, 0x80, 0x80]),
    invalid("6.10", "truncated sequence at the end of the message (E2 82)", [0x61, 0xe2, 0x82]),
    failCase("6.11", "UTF-8", "invalid byte in the last of 2 fragments", [
      frame(Opcode.text, Buffer.from("valid "), { fin: false }),
      frame(Opcode.continuation, Buffer.from([0x61, 0xff])),
    ], INVALID_PAYLOAD),
    failCase("6.12", "UTF-8", "message ending inside a code point split across fragments", [
      frame(Opcode.text, Buffer.from([0x61, 0xe2]), { fin: false }),
      frame(Opcode.continuation, Buffer.from([0x82])),
    ], INVALID_PAYLOAD),
    {
      id: "6.13",
      category: "UTF-8",
      title: "fail fast: invalid first fragment, the message never finished",
      expected: "fail with 1007 before the message ends (RFC 6455 §8.1)",
      run: (ctx) =>
        session(ctx, frame(Opcode.text, Buffer.from([0x61, 0xff, 0x62]), { fin: false }), async (s) => {
          const outcome = await expectFailure(s, INVALID_PAYLOAD, ctx.deadlines);
          // Left open here means the runtime waits for the whole message before validating.
          return outcome.verdict === "fail" && outcome.observed.includes("left open")
            ? nonStrict(`no fail-fast: ${outcome.observed}`)
            : outcome;
        }),
    },
  ];
}

function closeCases(): ConformanceCase[] {
  const valid = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
  // Registered with IANA after RFC 6455 (§11.7); Autobahn|Testsuite once listed them as invalid.
  const registered = [1012, 1013, 1014];
  const invalid = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
  return [
    closeEchoCase("7.1", "close without payload", undefined),
    closeEchoCase("7.2", "close 1000 with a reason", 1000, "bye"),
    closeEchoCase("7.3", "close with a 123-byte reason (the largest allowed)", 1000, "r".repeat(123)),
    closeEchoCase("7.4", "close with a multi-byte UTF-8 reason", 4000, "😀 → ✓"),
    failCase("7.5", "close", "close with a 1-byte payload", [frame(Opcode.close, Buffer.from([0x03]))]),
    failCase("7.6", "close", "close with a 124-byte reason (payload over 125)", [
      frame(Opcode.close, closePayload(1000, "r".repeat(124))),
    ]),
    failCase("7.7", "close", "close with an invalid UTF-8 reason", [
      frame(Opcode.close, Buffer.concat([closePayload(1000), Buffer.from([0x61, 0xff])])),
    ], [1007, 1002]),
    {
      id: "7.8",
      category: "close",
      title: "text and ping after the client's close",
      expected: "close 1000 echoed, the text not echoed, no pong",
      run: (ctx) =>
        session(ctx, [
          frame(Opcode.close, closePayload(1000)),
          frame(Opcode.text, Buffer.from("after close")),
          frame(Opcode.ping, Buffer.from("after close")),
        ], async (s) => {
          const got = await receive(s, ctx.deadlines.reactMs);
          if (got.frames.length) {
            return fail(`sent ${got.frames.map((f) => `opcode ${f.opcode}`).join(", ")} after the client's close`);
          }
          if (!got.close) return fail(got.ended ? "TCP closed without answering the close" : "close left unanswered");
          const late = await receive(s, 300);
          if (late.frames.length) return fail("sent frames after its close frame");
          return got.close.payload.equals(closePayload(1000))
            ? pass("close 1000 echoed, nothing else")
            : nonStrict("close answered with another payload");
        }),
    },
    echoCase("7.9", "close", "a message before the close is echoed first", [
      frame(Opcode.text, Buffer.from("last words")),
      frame(Opcode.close, closePayload(1000)),
    ], [text("last words")]),
    madeCase("7.12", "close", "an empty text message, then close 1000", () => [
      [frame(Opcode.text, Buffer.alloc(0))],
      [text("")],
    ], { close: true }),
    madeCase("7.13", "close", "an empty binary message, then close 1000", () => [
      [frame(Opcode.binary, Buffer.alloc(0))],
      [binary(Buffer.alloc(0))],
    ], { close: true }),
    ...valid.map((code, i) => closeEchoCase(`7.10.${i + 1}`, `valid close code ${code}`, code, `code ${code}`)),
    ...registered.map((code, i) => {
      const base = closeEchoCase(
        `7.10.${valid.length + i + 1}`,
        `IANA-registered close code ${code}`,
        code,
        `code ${code}`,
      );
      return {
        ...base,
        expected: `${base.expected} (1002 is non-strict: the code is not in RFC 6455 itself)`,
        run: async (ctx: CaseContext) => {
          const outcome = await base.run(ctx);
          return outcome.verdict === "fail" && outcome.observed.startsWith("answered with close 1002")
            ? nonStrict(outcome.observed)
            : outcome;
        },
      };
    }),
    ...invalid.map((code, i) =>
      failCase(`7.11.${i + 1}`, "close", `invalid close code ${code}`, [
        frame(Opcode.close, closePayload(code, `code ${code}`)),
      ])
    ),
    failCase(`7.11.${invalid.length + 1}`, "close", "invalid close code 1005, without a reason", [
      frame(Opcode.close, closePayload(1005)),
    ]),
  ];
}

function limitCases(): ConformanceCase[] {
  const many = Array.from({ length: 10_000 }, (_, i) => `message ${i}`);
  return [
    echoCase("9.1", "limits", "binary, 16 MiB (the default limit)", [frame(Opcode.binary, pattern(16 * MiB, 9))], [
      binary(pattern(16 * MiB, 9)),
    ], true),
    echoCase(
      "9.2",
      "limits",
      "text, 4 MiB in 64 fragments",
      Array.from(
        { length: 64 },
        (_, i) =>
          frame(i ? Opcode.continuation : Opcode.text, Buffer.alloc(64 * 1024, 0x61 + (i % 26)), { fin: i === 63 }),
      ),
      [
        text(Buffer.concat(Array.from({ length: 64 }, (_, i) => Buffer.alloc(64 * 1024, 0x61 + (i % 26))))),
      ],
      true,
    ),
    {
      id: "9.3",
      category: "limits",
      title: "binary, 16 MiB + 1 byte (over the limit)",
      expected: "fail the connection with 1009",
      run: (ctx) =>
        session(
          ctx,
          frame(Opcode.binary, pattern(16 * MiB + 1)),
          (s) => expectFailure(s, [1009], { ...ctx.deadlines, reactMs: ctx.deadlines.bulkMs }),
        ),
    },
    {
      id: "9.4",
      category: "limits",
      title: "a frame header announcing 1 GiB",
      expected: "fail the connection with 1009 without waiting for the bytes",
      run: (ctx) => {
        const header = Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4]);
        return session(ctx, [header, Buffer.alloc(1024)], (s) => expectFailure(s, [1009], ctx.deadlines));
      },
    },
    ...([["9.6", "text", Opcode.text], ["9.7", "binary", Opcode.binary]] as const).map(([id, type, opcode]) =>
      madeCase(id, "limits", `1,000 ${type} messages of 0 to 64 bytes back to back, then close 1000`, () => {
        const sizes = Array.from({ length: 1000 }, (_, i) => i % 65);
        const payloads = sizes.map((n, i) => opcode === Opcode.text ? utf8(n) : pattern(n, i));
        return [payloads.map((p) => frame(opcode, p)), payloads.map((p) => ({ opcode, payload: p }))];
      }, { close: true })
    ),
    echoCase(
      "9.5",
      "limits",
      "10 000 small text messages in one write",
      many.map((m) => frame(Opcode.text, Buffer.from(m))),
      many.map(
        (m) => text(m),
      ),
      true,
    ),
  ];
}

function robustnessCases(): ConformanceCase[] {
  return [
    failCase("10.1", "robustness", "unmasked client frame", [
      frame(Opcode.text, Buffer.from("unmasked"), { mask: false }),
    ]),
    // "GE" reads as a header with RSV1, opcode 7, no mask and 69 bytes to come: padded, so the frame is whole.
    failCase("10.2", "robustness", "HTTP garbage after the handshake", [
      Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\n\r\n${"x".repeat(200)}`),
    ]),
    {
      id: "10.3",
      category: "robustness",
      title: "TCP reset in the middle of a frame (judged by the liveness probe alone)",
      expected: "the server carries on: a fresh connection echoes after it",
      run: async (ctx) => {
        const s = await ctx.open();
        s.send(frame(Opcode.binary, pattern(100_000)).subarray(0, 50_000));
        await sleep(50);
        s.reset();
        return pass("reset sent; the liveness probe after the case decides");
      },
    },
    {
      id: "10.4",
      category: "robustness",
      title: "TCP reset while a 4 MiB echo is being sent back (judged by the liveness probe alone)",
      expected: "the server carries on: a fresh connection echoes after it",
      run: async (ctx) => {
        const s = await ctx.open();
        s.send(frame(Opcode.binary, pattern(4 * MiB)));
        await sleep(100);
        s.reset();
        return pass("reset sent; the liveness probe after the case decides");
      },
    },
    {
      id: "10.5",
      category: "robustness",
      title: "TCP FIN right after the handshake (judged by the liveness probe alone)",
      expected: "the server carries on: a fresh connection echoes after it",
      run: async (ctx) => {
        const s = await ctx.open();
        s.destroy();
        return pass("closed; the liveness probe after the case decides");
      },
    },
    {
      id: "10.6",
      category: "robustness",
      title: "20 handshakes that never finish while another client echoes",
      expected: "the other client is served",
      run: async (ctx) => {
        const stalled = Array.from({ length: 20 }, () => {
          const s = connect(ctx.port, "127.0.0.1");
          s.on("error", () => {});
          s.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n`);
          return s;
        });
        try {
          await sleep(100);
          return await session(
            ctx,
            frame(Opcode.text, Buffer.from("served")),
            (s) => expectEcho(s, [text("served")], ctx.deadlines.reactMs),
          );
        } finally {
          for (const s of stalled) s.destroy();
        }
      },
    },
  ];
}

export const CASES: readonly ConformanceCase[] = [
  ...handshakeCases(),
  ...framingCases(),
  ...pingCases(),
  ...reservedBitCases(),
  ...opcodeCases(),
  ...fragmentationCases(),
  ...utf8Cases(),
  ...closeCases(),
  ...limitCases(),
  ...robustnessCases(),
  ...COMPRESSION_CASES,
];

/** Marks an outcome where a wrong frame type came instead of an echo; used by the runner for errors. */
export function errorOutcome(error: unknown): Outcome {
  return fail(`case error: ${error instanceof Error ? error.message : String(error)}`);
}
