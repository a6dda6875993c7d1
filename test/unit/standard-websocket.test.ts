import { describe, expect, test } from "vitest";
import { FlowControl, HIGH_WATER_MARK, LOW_WATER_MARK } from "../../src/flow-control.ts";
import { bindStandardWebSocket, StandardContext } from "../../src/standard-websocket.ts";

/** A standard WebSocket as StandardContext sees it: `send` adds the UTF-8 bytes to bufferedAmount at once, as Deno's does. */
function fakeSocket() {
  const state = { buffered: 0, reads: 0 };
  const socket = {
    readyState: 1,
    send(data: string | ArrayBuffer | Uint8Array) {
      state.buffered += typeof data === "string" ? new TextEncoder().encode(data).byteLength : data.byteLength;
    },
    get bufferedAmount() {
      state.reads++;
      return state.buffered;
    },
  };
  return { socket: socket as unknown as WebSocket, state };
}

describe("StandardContext.bufferedAmount", () => {
  test("never below the socket's, asked of the socket only once it could pass LOW_WATER_MARK, then exact", () => {
    const { socket, state } = fakeSocket();
    const ws = new StandardContext(socket, null);
    // 1,000 texts of 64 units with a 3-byte character: the bound (3 bytes a unit) stays under the mark.
    for (let i = 0; i < 1_000; i++) {
      ws.send("€".repeat(64));
      expect(ws.bufferedAmount).toBeGreaterThanOrEqual(state.buffered);
    }
    expect(state.reads).toBe(0);
    expect(FlowControl.needed(ws)).toBe(false);
    // Binary past the mark: now the socket's own figure.
    ws.send(new Uint8Array(HIGH_WATER_MARK).buffer);
    expect(ws.bufferedAmount).toBe(state.buffered);
    expect(FlowControl.needed(ws)).toBe(true);
    expect(state.reads).toBe(2);
    // The socket drains: the next read says so, and the reads stop until sends could pass the mark again.
    state.buffered = 0;
    expect(ws.bufferedAmount).toBe(0);
    const reads = state.reads;
    ws.send(new Uint8Array(LOW_WATER_MARK).buffer);
    expect(ws.bufferedAmount).toBe(LOW_WATER_MARK);
    expect(state.reads).toBe(reads);
    ws.send("x");
    expect(ws.bufferedAmount).toBe(LOW_WATER_MARK + 1);
    expect(state.reads).toBe(reads + 1);
  });
});

describe("bindStandardWebSocket", () => {
  const messages = (socket: EventTarget, ...data: unknown[]) => {
    for (const item of data) socket.dispatchEvent(new MessageEvent("message", { data: item }));
  };

  test("hands the echo each message's data as it came, in order, where it takes data (DataEvents)", () => {
    const socket = new EventTarget() as WebSocket;
    const ws = new StandardContext(socket, null);
    const got: unknown[] = [];
    const onMessage = () => got.push("onMessage");
    bindStandardWebSocket(
      ws,
      {
        onMessage,
        onData(data: unknown, context: unknown) {
          expect(context).toBe(ws);
          got.push(data);
        },
      } as Parameters<typeof bindStandardWebSocket>[1],
    );
    const bytes = new Uint8Array([1, 2, 3]).buffer;
    messages(socket, "text", bytes, "");
    expect(got).toEqual(["text", bytes, ""]);
    expect(got[1]).toBe(bytes); // the same ArrayBuffer, not a copy
    expect(socket.binaryType).toBe("arraybuffer");
  });

  test("hands events without onData the message event (Hono's WSEvents)", () => {
    const socket = new EventTarget() as WebSocket;
    const ws = new StandardContext(socket, null);
    const got: unknown[] = [];
    bindStandardWebSocket(ws, {
      onMessage(event, context) {
        expect(context).toBe(ws);
        got.push(event.data);
      },
    });
    messages(socket, "a", "b");
    expect(got).toEqual(["a", "b"]);
  });
});
