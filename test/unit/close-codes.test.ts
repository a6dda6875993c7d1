import { WSContext } from "hono/ws";
import { describe, expect, test } from "vitest";
import { closeReply, isValidCloseCode, reasonFits } from "../../src/close-codes.ts";
import { ConnectionRegistry } from "../../src/connections.ts";
import { createEchoEvents } from "../../src/echo.ts";
import { KeepAlive } from "../../src/keep-alive.ts";
import { createLogger } from "../../src/log.ts";
import { DEFAULT_OPTIONS } from "../../src/options.ts";

describe("isValidCloseCode", () => {
  test.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])(
    "%i may be sent",
    (code) => expect(isValidCloseCode(code)).toBe(true),
  );
  test.each([0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535, -1, 1000.5, NaN])(
    "%d may not",
    (code) => expect(isValidCloseCode(code)).toBe(false),
  );
});

describe("closeReply", () => {
  test("a valid code is echoed with its reason", () => {
    expect(closeReply(4000, "bye")).toEqual({ code: 4000, reason: "bye" });
    expect(closeReply(1000, "")).toEqual({ code: 1000, reason: "" });
  });

  test("a close without a code is answered without one", () => {
    expect(closeReply(1005, "")).toEqual({});
  });

  test.each([0, 999, 1004, 1006, 1015, 1016, 2000, 5000])("the invalid code %i gets 1002", (code) => {
    expect(closeReply(code, "x")).toEqual({ code: 1002, reason: `invalid close code ${code}` });
  });

  test("1005 with a reason was the code 1005 on the wire: 1002", () => {
    expect(closeReply(1005, "reason")).toEqual({ code: 1002, reason: "invalid close code 1005" });
  });

  test("a reason over 123 UTF-8 bytes gets 1002, one of 123 is echoed", () => {
    expect(closeReply(1000, "r".repeat(123))).toEqual({ code: 1000, reason: "r".repeat(123) });
    expect(closeReply(1000, "r".repeat(124))).toEqual({ code: 1002, reason: "close reason over 123 bytes" });
    // 41 characters, 123 bytes; 42 characters, 126 bytes.
    expect(reasonFits("€".repeat(41))).toBe(true);
    expect(reasonFits("€".repeat(42))).toBe(false);
  });
});

describe("the echo's answer to a client's close", () => {
  function socket(readyState: 0 | 1 | 2 | 3, { throwOnCode = false } = {}) {
    const closes: [number | undefined, string | undefined][] = [];
    const ws = new WSContext({
      send: () => {},
      close: (code, reason) => {
        if (throwOnCode && code !== undefined) throw new RangeError("close code rejected");
        closes.push([code, reason]);
      },
      readyState,
    });
    return { ws, closes };
  }
  const events = () =>
    createEchoEvents({
      options: DEFAULT_OPTIONS,
      connections: new ConnectionRegistry(),
      keepAlive: new KeepAlive({ interval: 0, timeout: 0 }),
      log: createLogger("silent"),
      control: (ws) => ({ bufferedAmount: 0, close: (code, reason) => ws.close(code, reason), terminate: () => {} }),
    });
  const close = (code: number, reason = "") => Object.assign(new Event("close"), { code, reason }) as CloseEvent;

  test("on a CLOSING socket (Workers, manual reply), a valid code is echoed", () => {
    const { ws, closes } = socket(2);
    events().onClose!(close(3001, "done"), ws);
    expect(closes).toEqual([[3001, "done"]]);
  });

  test("on a CLOSING socket, an invalid code gets 1002", () => {
    const { ws, closes } = socket(2);
    events().onClose!(close(1015, "tls"), ws);
    expect(closes).toEqual([[1002, "invalid close code 1015"]]);
  });

  test("when the runtime refuses the reply, an empty close frame still answers", () => {
    const { ws, closes } = socket(2, { throwOnCode: true });
    events().onClose!(close(1000), ws);
    expect(closes).toEqual([[undefined, undefined]]);
  });

  test("nothing is sent on a socket the runtime has already closed", () => {
    const { ws, closes } = socket(3);
    events().onClose!(close(1015), ws);
    expect(closes).toEqual([]);
  });
});
