import { WSContext, type WSMessageReceive } from "hono/ws";
import { describe, expect, test } from "vitest";
import { createEchoEvents } from "../../src/echo.ts";

function fakeSocket() {
  const sent: (string | number[])[] = [];
  const closes: [number | undefined, string | undefined][] = [];
  let readyState: 0 | 1 | 2 | 3 = 1;
  const ws = new WSContext({
    send: (data) => sent.push(typeof data === "string" ? data : [...new Uint8Array(data as ArrayBuffer)]),
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

const message = (data: WSMessageReceive) => new MessageEvent("message", { data });
// Node 20 has no global CloseEvent; the echo reads only `code` and `reason`.
const closeEvent = (code: number, reason = "") => Object.assign(new Event("close"), { code, reason }) as CloseEvent;

describe("echo", () => {
  test("text and binary go back with their type", () => {
    const { ws, sent } = fakeSocket();
    const events = createEchoEvents();
    events.onMessage!(message("hi"), ws);
    events.onMessage!(message(new Uint8Array([1, 2]).buffer), ws);
    expect(sent).toEqual(["hi", [1, 2]]);
  });

  test("messages after a Blob wait for it, so the order is kept", async () => {
    const { ws, sent } = fakeSocket();
    const events = createEchoEvents();
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

  test("the client's close code and reason are echoed", () => {
    const { ws, closes } = fakeSocket();
    createEchoEvents().onClose!(closeEvent(4000, "bye"), ws);
    expect(closes).toEqual([[4000, "bye"]]);
  });

  test("a close without a status is answered without one: 1005 is never sent", () => {
    const { ws, closes } = fakeSocket();
    createEchoEvents().onClose!(closeEvent(1005), ws);
    expect(closes).toEqual([[undefined, undefined]]);
  });

  test("nothing is sent on a socket the runtime already closed", () => {
    const { ws, closes, setState } = fakeSocket();
    setState(3);
    createEchoEvents().onClose!(closeEvent(1000), ws);
    expect(closes).toEqual([]);
  });
});
