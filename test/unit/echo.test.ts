import { WSContext, type WSMessageReceive } from "hono/ws";
import { describe, expect, test, vi } from "vitest";
import { ConnectionRegistry } from "../../src/connections.ts";
import { createEchoEvents, type EchoContext } from "../../src/echo.ts";
import { KeepAlive } from "../../src/keep-alive.ts";
import { createLogger } from "../../src/log.ts";
import { DEFAULT_OPTIONS, type EchoOptions } from "../../src/options.ts";
import type { PongEvents, SocketControl } from "../../src/socket-control.ts";

function fakeSocket({ failSend = false } = {}) {
  const sent: (string | number[])[] = [];
  const closes: [number | undefined, string | undefined][] = [];
  let readyState: 0 | 1 | 2 | 3 = 1;
  const ws = new WSContext({
    send: (data) => {
      if (failSend) throw new Error("send failed");
      sent.push(typeof data === "string" ? data : [...new Uint8Array(data as ArrayBuffer)]);
    },
    close: (code, reason) => {
      closes.push([code, reason]);
      readyState = 2;
    },
    get readyState() {
      return readyState;
    },
  });
  return { ws, sent, closes, setState: (s: 0 | 1 | 2 | 3) => (readyState = s) };
}

function context(options: Partial<EchoOptions> = {}, control: Partial<SocketControl> = {}) {
  const lines: Record<string, unknown>[] = [];
  const ctx: EchoContext = {
    options: { ...DEFAULT_OPTIONS, ...options },
    connections: new ConnectionRegistry(),
    keepAlive: new KeepAlive({ interval: 0, timeout: 0 }),
    log: createLogger("debug", (line) => lines.push(JSON.parse(line))),
    // Descriptors, not a spread: a getter in `control` must stay live.
    control: (ws: WSContext) =>
      Object.defineProperties(
        { bufferedAmount: 0, close: (code?: number, reason?: string) => ws.close(code, reason), terminate: () => {} },
        Object.getOwnPropertyDescriptors(control),
      ),
  };
  return { ctx, lines };
}

const message = (data: WSMessageReceive) => new MessageEvent("message", { data });
// Node 20 has no global CloseEvent; the echo reads only `code` and `reason`.
const closeEvent = (code: number, reason = "") => Object.assign(new Event("close"), { code, reason }) as CloseEvent;
const open = new Event("open");
/** A text message as Node's adapter hands it: the string on demand, the bytes as `utf8`. */
const utf8Message = (utf8: Uint8Array<ArrayBuffer>) =>
  ({
    utf8,
    get data(): string {
      throw new Error("the echo decoded text it had as bytes");
    },
  }) as unknown as MessageEvent;

describe("echo", () => {
  test("text and binary go back with their type", () => {
    const { ws, sent } = fakeSocket();
    const events = createEchoEvents(context().ctx);
    events.onOpen!(open, ws);
    events.onMessage!(message("hi"), ws);
    events.onMessage!(message(new Uint8Array([1, 2]).buffer), ws);
    expect(sent).toEqual(["hi", [1, 2]]);
  });

  test("text handed as UTF-8 bytes goes back as those bytes, as text, through sendText", () => {
    const { ws, sent, closes } = fakeSocket();
    const texts: number[][] = [];
    const events = createEchoEvents(
      context({ maxMessageSize: 4 }, { sendText: (bytes) => void texts.push([...bytes]) }).ctx,
    );
    events.onOpen!(open, ws);
    const utf8 = new TextEncoder().encode("hé");
    events.onMessage!(utf8Message(utf8), ws);
    expect(texts).toEqual([[...utf8]]);
    expect(sent).toEqual([]); // never decoded for send()
    events.onMessage!(utf8Message(new TextEncoder().encode("héé")), ws); // 5 bytes
    expect(closes).toEqual([[1009, "message exceeds 4 bytes"]]);
  });

  test("text as UTF-8 bytes on a socket without sendText is decoded once, still text, in order", () => {
    const { ws, sent } = fakeSocket();
    const events = createEchoEvents(context().ctx);
    events.onOpen!(open, ws);
    events.onMessage!(utf8Message(new TextEncoder().encode("ünï")), ws);
    events.onMessage!(message(new Uint8Array([1]).buffer), ws);
    expect(sent).toEqual(["ünï", [1]]);
  });

  test("messages after a Blob wait for it, so the order is kept", async () => {
    const { ws, sent } = fakeSocket();
    const events = createEchoEvents(context().ctx);
    events.onOpen!(open, ws);
    events.onMessage!(message("first"), ws);
    events.onMessage!(message(new Blob([new Uint8Array([7])])), ws);
    events.onMessage!(message("third"), ws);
    events.onMessage!(message(new Uint8Array([9]).buffer), ws);
    expect(sent).toEqual(["first"]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toEqual(["first", [7], "third", [9]]);
    // Once the queue drains, sends are synchronous again.
    events.onMessage!(message("fifth"), ws);
    expect(sent.at(-1)).toBe("fifth");
  });

  test("a message over maxMessageSize closes with 1009, counting UTF-8 bytes", () => {
    const { ws, sent, closes } = fakeSocket();
    const events = createEchoEvents(context({ maxMessageSize: 4 }).ctx);
    events.onOpen!(open, ws);
    events.onMessage!(message("€"), ws); // 3 bytes
    events.onMessage!(message("€€"), ws); // 6 bytes
    expect(sent).toEqual(["€"]);
    expect(closes).toEqual([[1009, "message exceeds 4 bytes"]]);
  });

  // Both take the echo's fast path (see onData), each must still meet every rule.
  test.each([
    ["a Uint8Array (Node's and Bun's binary)", (b: number[]) => Buffer.from(b) as unknown as WSMessageReceive],
    ["an ArrayBuffer (Deno's and workerd's binary)", (b: number[]) => new Uint8Array(b).buffer],
  ])("%s is size-checked, counted and kept in order like any message", async (_shape, binary) => {
    const { ctx, lines } = context({ maxMessageSize: 4 });
    const { ws, sent, closes } = fakeSocket();
    const events = createEchoEvents(ctx);
    events.onOpen!(open, ws);
    const bytes = (...b: number[]) => message(binary(b));
    events.onMessage!(bytes(1, 2, 3, 4), ws); // at the limit
    events.onMessage!(message(new Blob([new Uint8Array([5])])), ws);
    events.onMessage!(bytes(6), ws); // behind the Blob
    expect(sent).toEqual([[1, 2, 3, 4]]);
    await vi.waitFor(() => expect(sent).toEqual([[1, 2, 3, 4], [5], [6]]), { timeout: 1000 });
    events.onMessage!(bytes(1, 2, 3, 4, 5), ws);
    expect(closes).toEqual([[1009, "message exceeds 4 bytes"]]);
    events.onClose!(closeEvent(1009), ws);
    const closed = lines.find((l) => l.msg === "ws close");
    expect(closed).toMatchObject({ messages: 4, textMessages: 0, bytes: 11 });
  });

  test("an exception in the echo path closes this connection with 1011 and is logged", () => {
    const { ctx, lines } = context();
    const broken = fakeSocket({ failSend: true });
    const healthy = fakeSocket();
    const a = createEchoEvents(ctx);
    const b = createEchoEvents(ctx);
    a.onOpen!(open, broken.ws);
    b.onOpen!(open, healthy.ws);
    a.onMessage!(message("x"), broken.ws);
    b.onMessage!(message("y"), healthy.ws);
    expect(broken.closes).toEqual([[1011, "internal error"]]);
    expect(healthy.sent).toEqual(["y"]);
    expect(healthy.closes).toEqual([]);
    expect(lines.some((l) => l.level === "error" && l.msg === "ws echo failed")).toBe(true);
  });

  test("a send buffer over the high-water mark pauses reading where the runtime can", () => {
    let buffered = 0;
    const calls: string[] = [];
    const { ctx } = context({}, {
      get bufferedAmount() {
        return buffered;
      },
      pause: () => calls.push("pause"),
      resume: () => calls.push("resume"),
    });
    const { ws, closes } = fakeSocket();
    const events = createEchoEvents(ctx);
    events.onOpen!(open, ws);
    buffered = 2 * 1024 * 1024;
    events.onMessage!(message("x"), ws);
    expect(calls).toEqual(["pause"]);
    expect(closes).toEqual([]);
    events.onClose!(closeEvent(1000), ws);
  });

  test("…and closes with 1008 where it cannot pause, never dropping a message", () => {
    const { ctx } = context({}, { bufferedAmount: 2 * 1024 * 1024 });
    const { ws, sent, closes } = fakeSocket();
    const events = createEchoEvents(ctx);
    events.onOpen!(open, ws);
    events.onMessage!(message("x"), ws);
    expect(sent).toEqual(["x"]);
    expect(closes).toEqual([[1008, "send buffer full: the client is not reading"]]);
  });

  test("keep-alive: pings where the runtime can, a pong answers, a silent peer is terminated as 1006", () => {
    vi.useFakeTimers();
    try {
      const calls: string[] = [];
      const { ctx, lines } = context({ keepAliveTimeout: 40 }, {
        ping: () => calls.push("ping"),
        terminate: () => calls.push("terminate"),
      });
      ctx.keepAlive = new KeepAlive({ interval: 100, timeout: 40 });
      const { ws } = fakeSocket();
      const events = createEchoEvents(ctx);
      events.onOpen!(open, ws);
      vi.advanceTimersByTime(110);
      expect(calls).toEqual(["ping"]);
      (events as PongEvents).onPong!();
      vi.advanceTimersByTime(100);
      expect(calls).toEqual(["ping", "ping"]);
      vi.advanceTimersByTime(50);
      expect(calls).toEqual(["ping", "ping", "terminate"]);
      events.onClose!(closeEvent(1006), ws);
      expect(lines.find((l) => l.msg === "ws close")).toMatchObject({ code: 1006 });
      expect(vi.getTimerCount()).toBe(0);

      // A runtime without ping (Deno, Workers): not watched, no timer.
      const { ctx: noPing } = context();
      noPing.keepAlive = new KeepAlive({ interval: 100, timeout: 40 });
      createEchoEvents(noPing).onOpen!(open, fakeSocket().ws);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  test("the client's close code and reason are echoed", () => {
    const { ws, closes } = fakeSocket();
    createEchoEvents(context().ctx).onClose!(closeEvent(4000, "bye"), ws);
    expect(closes).toEqual([[4000, "bye"]]);
  });

  test("a close without a status is answered without one: 1005 is never sent", () => {
    const { ws, closes } = fakeSocket();
    createEchoEvents(context().ctx).onClose!(closeEvent(1005), ws);
    expect(closes).toEqual([[undefined, undefined]]);
  });

  test("nothing is sent on a socket the runtime already closed", () => {
    const { ws, closes, setState } = fakeSocket();
    setState(3);
    createEchoEvents(context().ctx).onClose!(closeEvent(1000), ws);
    expect(closes).toEqual([]);
  });

  test("one log line at open and one at close, with the connection's figures", () => {
    const { ctx, lines } = context();
    const { ws } = fakeSocket();
    const events = createEchoEvents(ctx, "10.0.0.1");
    events.onOpen!(open, ws);
    events.onMessage!(message("abc"), ws);
    events.onMessage!(message(new Uint8Array([1, 2]).buffer), ws);
    events.onClose!(closeEvent(1000, "done"), ws);
    expect(lines.map((l) => l.msg)).toEqual(["ws open", "ws close"]);
    expect(lines[0]).toMatchObject({ level: "info", remote: "10.0.0.1" });
    expect(lines[1]).toMatchObject({ code: 1000, reason: "done", messages: 2, textMessages: 1, bytes: 2 });
    expect(ctx.connections.size).toBe(0);
  });
});
