/**
 * How a case turns what the server did into a verdict. RFC 6455 words map to
 * verdicts like this:
 * - pass: what the RFC asks for, including the close code it names;
 * - non-strict: the MUST is met, a SHOULD or MAY is not (the connection is
 *   failed, but with another close code or by dropping TCP without a close
 *   frame; or the closing handshake is done but TCP is left open);
 * - fail: a MUST is broken (invalid data echoed, a close left unanswered, a
 *   connection that should have been failed left open, a reserved code on the
 *   wire), or the server stopped serving other clients;
 * - n/a: the case's subject was declined as RFC 7692 allows (an extension
 *   offer), and what the case could still check (a clean decline, the echo
 *   without it) held; expected.ts pins where and why.
 */
import { isValidCloseCode } from "../../src/close-codes.ts";
import { closePayload, encodeFrame, type Frame, Opcode } from "../harness/frames.ts";
import type { RawWebSocket } from "../harness/raw.ts";

export type Verdict = "pass" | "non-strict" | "fail" | "n/a";
export const VERDICTS: readonly Verdict[] = ["pass", "non-strict", "fail", "n/a"];

export interface Outcome {
  verdict: Verdict;
  /** What the server did, in a few words: the table's footnote and the test's failure message. */
  observed: string;
}

/** Deadlines, short where the server is expected to act at once, so a whole run stays in minutes. */
export interface Deadlines {
  /** For the server to close, or to send the frame expected next. */
  reactMs: number;
  /** For a large echo (16 MiB, thousands of messages). */
  bulkMs: number;
}

export const pass = (observed: string): Outcome => ({ verdict: "pass", observed });
export const nonStrict = (observed: string): Outcome => ({ verdict: "non-strict", observed });
export const fail = (observed: string): Outcome => ({ verdict: "fail", observed });
export const notApplicable = (observed: string): Outcome => ({ verdict: "n/a", observed });

export interface Expected {
  opcode: number;
  payload: Buffer;
}

const isData = (f: Frame) => f.opcode === Opcode.text || f.opcode === Opcode.binary || f.opcode === Opcode.continuation;

export function closeCodeOf(frame: Frame): number | undefined {
  return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined;
}

export function describeClose(frame: Frame): string {
  const code = closeCodeOf(frame);
  if (code === undefined) return frame.payload.length === 0 ? "an empty close frame" : "a 1-byte close frame";
  const reason = frame.payload.subarray(2).toString("utf8");
  return `close ${code}${reason ? ` "${reason.length > 40 ? `${reason.slice(0, 40)}…` : reason}"` : ""}`;
}

function describeFrame(frame: Frame): string {
  const names: Record<number, string> = {
    0: "continuation",
    1: "text",
    2: "binary",
    8: "close",
    9: "ping",
    10: "pong",
  };
  return `${names[frame.opcode] ?? `opcode ${frame.opcode}`} (${frame.payload.length} B)`;
}

/** What came back before the connection closed, was dropped, or the deadline passed. */
export interface Received {
  frames: Frame[];
  close?: Frame;
  /** The server closed TCP (before or after its close frame). */
  ended: boolean;
  timedOut: boolean;
}

/** Reads frames until a close frame, the end of TCP, `count` data frames, a frame `stop` accepts, or `ms`. */
export async function receive(
  socket: RawWebSocket,
  ms: number,
  count = Infinity,
  stop: (frame: Frame) => boolean = () => false,
): Promise<Received> {
  const end = Date.now() + ms;
  const frames: Frame[] = [];
  let data = 0;
  for (;;) {
    const left = end - Date.now();
    if (left <= 0) return { frames, ended: socket.isEnded, timedOut: true };
    let frame: Frame;
    try {
      frame = await socket.nextFrame(left, "a frame from the server");
    } catch {
      if (socket.isEnded) return { frames, ended: true, timedOut: false };
      return { frames, ended: false, timedOut: true };
    }
    if (frame.opcode === Opcode.close) return { frames, close: frame, ended: socket.isEnded, timedOut: false };
    frames.push(frame);
    if ((isData(frame) && ++data >= count) || stop(frame)) return { frames, ended: socket.isEnded, timedOut: false };
  }
}

/** Joins fragmented data frames into messages. */
function messages(frames: Frame[]): Expected[] {
  const out: Expected[] = [];
  let current: { opcode: number; parts: Buffer[] } | undefined;
  for (const f of frames) {
    if (!isData(f)) continue;
    if (f.opcode !== Opcode.continuation) current = { opcode: f.opcode, parts: [] };
    current?.parts.push(f.payload);
    if (f.fin && current) {
      out.push({ opcode: current.opcode, payload: Buffer.concat(current.parts) });
      current = undefined;
    }
  }
  return out;
}

/** `undefined` when `got` starts with exactly `want`, else what differs. */
function compare(got: Expected[], want: Expected[]): string | undefined {
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i]!;
    if (!g) return `${got.length} of ${want.length} expected messages came back`;
    if (g.opcode !== w.opcode) return `message ${i + 1} came back as opcode ${g.opcode}, sent as ${w.opcode}`;
    if (!g.payload.equals(w.payload)) {
      return `message ${i + 1} came back with ${g.payload.length} B differing from the ${w.payload.length} B sent`;
    }
  }
  return undefined;
}

/**
 * Answers the server's close frame as a client does (§5.5.1), then waits for
 * the server to close TCP (§7.1.1: the server closes first). Says how it went.
 */
async function finishClose(socket: RawWebSocket, close: Frame, ms: number): Promise<boolean> {
  if (!socket.isEnded) {
    const code = closeCodeOf(close);
    socket.send(encodeFrame(Opcode.close, code === undefined ? new Uint8Array() : closePayload(code)));
  }
  try {
    await socket.ended(ms, "the server to close TCP after the closing handshake");
    return true;
  } catch {
    return false;
  }
}

/**
 * Every message in `want` comes back, in order, with its type; nothing else
 * but pongs (and pings) in between.
 */
export async function expectEcho(socket: RawWebSocket, want: Expected[], ms: number): Promise<Outcome> {
  const got = await receive(socket, ms, want.length);
  const echoed = messages(got.frames);
  const diff = compare(echoed, want);
  if (diff === undefined) return pass(want.length === 1 ? "echoed" : `${want.length} messages echoed in order`);
  if (got.close) return fail(`${diff}; then ${describeClose(got.close)}`);
  if (got.ended) return fail(`${diff}; then TCP closed`);
  return fail(`${diff} within ${ms} ms`);
}

/**
 * The server must fail the connection (§7.1.7): the wanted close code is a
 * pass, another one or a bare TCP close is non-strict, the bad input echoed or
 * the connection left open is a fail. `first` are messages that must still be
 * echoed before it.
 */
export async function expectFailure(
  socket: RawWebSocket,
  codes: readonly number[],
  deadlines: Deadlines,
  first: Expected[] = [],
): Promise<Outcome> {
  // Stops early at the first message past `first` (the bad input echoed) or an over-long control frame.
  const overLong = (f: Frame) => f.opcode >= 8 && f.payload.length > 125;
  const got = await receive(socket, deadlines.reactMs, first.length + 1, overLong);
  const tooLong = [...got.frames, ...(got.close ? [got.close] : [])].find(overLong);
  if (tooLong) return fail(`sent a ${describeFrame(tooLong)} control frame (at most 125 B allowed)`);
  const echoed = messages(got.frames);
  // As in Autobahn|Testsuite: the valid messages before the bad frame should be
  // echoed; a runtime that fails the connection before it does is non-strict.
  const missing = echoed.length < first.length && compare(echoed, first.slice(0, echoed.length)) === undefined;
  const diff = missing ? undefined : compare(echoed, first);
  if (diff !== undefined) return fail(diff);
  if (echoed.length > first.length) {
    return fail(`echoed the invalid input (${echoed.length - first.length} message(s))`);
  }
  const extra = got.frames.filter((f) => !isData(f)).map(describeFrame);
  const before = `${missing ? `${first.length - echoed.length} valid message(s) before it not echoed, ` : ""}${
    extra.length ? `${extra.join(", ")}, then ` : ""
  }`;
  const outcome = await failureOutcome(socket, got, codes, deadlines, before);
  return missing && outcome.verdict === "pass" ? nonStrict(outcome.observed) : outcome;
}

async function failureOutcome(
  socket: RawWebSocket,
  got: Received,
  codes: readonly number[],
  deadlines: Deadlines,
  before: string,
): Promise<Outcome> {
  if (got.close) {
    const code = closeCodeOf(got.close);
    if (code !== undefined && !isValidCloseCode(code)) {
      return fail(`${before}${describeClose(got.close)}: a code never to be sent`);
    }
    const tcpClosed = await finishClose(socket, got.close, deadlines.reactMs);
    const what = `${before}${describeClose(got.close)}`;
    if (code !== undefined && codes.includes(code)) {
      return tcpClosed ? pass(what) : nonStrict(`${what}, but TCP left open`);
    }
    return nonStrict(`${what} (expected ${codes.join(" or ")})`);
  }
  if (got.ended) return nonStrict(`${before}TCP closed without a close frame`);
  return fail(`${before}connection left open for ${deadlines.reactMs} ms`);
}

/**
 * The answer to a valid client close: a close frame carrying `code` and
 * `reason` (none for an empty close), no data after the close, then TCP closed.
 */
export async function expectCloseReply(
  socket: RawWebSocket,
  code: number | undefined,
  reason: string,
  deadlines: Deadlines,
): Promise<Outcome> {
  const got = await receive(socket, deadlines.reactMs);
  const data = got.frames.filter(isData);
  if (data.length) return fail(`sent ${data.map(describeFrame).join(", ")} after the client's close`);
  if (!got.close) return fail(got.ended ? "TCP closed without answering the close" : "close left unanswered");
  const sent = got.close;
  const want = code === undefined ? Buffer.alloc(0) : closePayload(code, reason);
  let tcpClosed = got.ended;
  if (!tcpClosed) {
    try {
      await socket.ended(deadlines.reactMs, "the server to close TCP after its close frame");
      tcpClosed = true;
    } catch { /* judged below */ }
  }
  if (!sent.payload.equals(want)) {
    const sentCode = closeCodeOf(sent);
    if (sentCode !== undefined && !isValidCloseCode(sentCode)) {
      return fail(`answered with ${describeClose(sent)}: a code never to be sent`);
    }
    return fail(
      `answered with ${describeClose(sent)}, not the client's ${code === undefined ? "empty close" : `close ${code}`}`,
    );
  }
  return tcpClosed
    ? pass(`${describeClose(sent)} echoed`)
    : nonStrict(`${describeClose(sent)} echoed, but TCP left open`);
}
