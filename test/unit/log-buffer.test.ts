import { WSContext } from "hono/ws";
import { describe, expect, test } from "vitest";
import { ConnectionRegistry } from "../../src/connections.ts";
import { createEchoEvents, type EchoContext } from "../../src/echo.ts";
import { KeepAlive } from "../../src/keep-alive.ts";
import { createLogger } from "../../src/log.ts";
import { LOG_BATCH_MS, LogBuffer } from "../../src/log-buffer.ts";
import { DEFAULT_OPTIONS } from "../../src/options.ts";

/** The writes a LogBuffer made, each split into its lines. */
function output() {
  const writes: string[][] = [];
  return { writes, out: (text: string) => writes.push(text.split("\n")), lines: () => writes.flat() };
}

/** Past the batch window: the waiting lines have been written. */
const nextTurn = () => new Promise((resolve) => setTimeout(resolve, LOG_BATCH_MS + 10));

describe("LogBuffer", () => {
  test("info lines of one batch window go out in one write, in order, once it ends", async () => {
    const { writes, out } = output();
    const buffer = new LogBuffer(out);
    const log = createLogger("info", buffer.write, buffer.writeNow);
    for (let i = 0; i < 5; i++) log.info("ws open", { id: i });
    expect(writes).toEqual([]);
    expect(buffer.pending).toBe(5);
    await nextTurn();
    expect(writes.length).toBe(1);
    expect(writes[0]!.map((l) => JSON.parse(l).id)).toEqual([0, 1, 2, 3, 4]);
  });

  test("a warning or an error flushes the lines before it and goes out at once", () => {
    const { writes, out, lines } = output();
    const buffer = new LogBuffer(out);
    const log = createLogger("info", buffer.write, buffer.writeNow);
    log.info("ws open", { id: 1 });
    log.error("ws echo failed", { id: 1 });
    expect(writes.length).toBe(1);
    expect(lines().map((l) => JSON.parse(l).msg)).toEqual(["ws open", "ws echo failed"]);
    log.info("ws open", { id: 2 });
    log.warn("ws close reply failed", { id: 2 });
    expect(lines().map((l) => JSON.parse(l).msg)).toEqual([
      "ws open",
      "ws echo failed",
      "ws open",
      "ws close reply failed",
    ]);
  });

  test("a burst is written once maxLines wait, without waiting for the timer", () => {
    const { writes, out } = output();
    const buffer = new LogBuffer(out, 3);
    for (let i = 0; i < 7; i++) buffer.write(`line ${i}`);
    expect(writes).toEqual([["line 0", "line 1", "line 2"], ["line 3", "line 4", "line 5"]]);
    buffer.flush();
    expect(writes.at(-1)).toEqual(["line 6"]);
    expect(buffer.pending).toBe(0);
  });

  test("flush (what the entry points call on exit, SIGTERM and a crash) writes every waiting line", () => {
    const { writes, out } = output();
    const buffer = new LogBuffer(out);
    buffer.write("a");
    buffer.write("b");
    buffer.flush();
    buffer.flush();
    expect(writes).toEqual([["a", "b"]]);
  });

  test("when the echo path throws, the open lines and the error are written at once, none lost", () => {
    const { out, lines } = output();
    const buffer = new LogBuffer(out);
    const context: EchoContext = {
      options: DEFAULT_OPTIONS,
      connections: new ConnectionRegistry(),
      keepAlive: new KeepAlive({ interval: 0, timeout: 0 }),
      log: createLogger("info", buffer.write, buffer.writeNow),
      control: (ws: WSContext) => ({ bufferedAmount: 0, close: (c, r) => ws.close(c, r), terminate: () => {} }),
    };
    let state: 0 | 1 | 2 | 3 = 1;
    const broken = new WSContext({
      send: () => {
        throw new Error("send failed");
      },
      close: () => void (state = 3),
      get readyState() {
        return state;
      },
    });
    const healthy = new WSContext({ send: () => {}, close: () => {}, readyState: 1 });
    const a = createEchoEvents(context, "127.0.0.1");
    const b = createEchoEvents(context, "127.0.0.1");
    b.onOpen!(new Event("open"), healthy);
    a.onOpen!(new Event("open"), broken);
    expect(lines()).toEqual([]);
    a.onMessage!(new MessageEvent("message", { data: "x" }), broken);
    // Synchronously, with no timer run: the two opens, then the failure.
    expect(lines().map((l) => JSON.parse(l).msg)).toEqual(["ws open", "ws open", "ws echo failed"]);
    a.onClose!(Object.assign(new Event("close"), { code: 1011, reason: "internal error" }) as CloseEvent, broken);
    buffer.flush();
    expect(lines().map((l) => JSON.parse(l).msg)).toEqual(["ws open", "ws open", "ws echo failed", "ws close"]);
  });
});
