import { describe, expect, test } from "vitest";
import { exceeds, messageOf, toEchoPayload, Utf8Text } from "../../src/message.ts";

describe("messageOf", () => {
  test("text given as UTF-8 bytes is taken as bytes, never decoded; otherwise data", () => {
    const utf8 = new TextEncoder().encode("é");
    const text = messageOf({ data: "unread", utf8 });
    expect(text).toBeInstanceOf(Utf8Text);
    expect((text as Utf8Text).bytes).toBe(utf8);
    expect(toEchoPayload(text)).toBe(text);
    expect((text as Utf8Text).decode()).toBe("é");
    expect(messageOf({ data: "plain" })).toBe("plain");
  });
});

describe("toEchoPayload", () => {
  test("text stays the same string", () => {
    expect(toEchoPayload("héllo €")).toBe("héllo €");
    expect(toEchoPayload("")).toBe("");
  });

  test("an ArrayBuffer is passed on as it is", () => {
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    expect(toEchoPayload(buffer)).toBe(buffer);
  });

  test("a Buffer over its own ArrayBuffer is passed on as it is", () => {
    const buffer = Buffer.from([1, 2, 3]);
    expect(toEchoPayload(buffer)).toBe(buffer);
  });

  test("a view keeps its offset and length (a Node Buffer from a shared pool)", () => {
    const pool = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const view = Buffer.from(pool.buffer, 2, 3);
    const out = toEchoPayload(view) as Uint8Array;
    expect([...out]).toEqual([1, 2, 3]);
    expect(out.buffer).toBe(pool.buffer);
  });

  test("a DataView is read as its bytes, not as text", () => {
    const view = new DataView(new Uint8Array([0, 7, 8]).buffer, 1);
    expect([...(toEchoPayload(view) as Uint8Array)]).toEqual([7, 8]);
  });

  test("an empty binary message stays binary", () => {
    const out = toEchoPayload(new ArrayBuffer(0));
    expect(out).toBeInstanceOf(ArrayBuffer);
    expect((out as ArrayBuffer).byteLength).toBe(0);
  });

  test("a Blob is read asynchronously into its bytes", async () => {
    const out = toEchoPayload(new Blob([new Uint8Array([4, 5, 6])]));
    expect(out).toBeInstanceOf(Promise);
    expect([...new Uint8Array(await out as ArrayBuffer)]).toEqual([4, 5, 6]);
  });

  test("a SharedArrayBuffer is copied, never shared with the socket", () => {
    const shared = new SharedArrayBuffer(2);
    new Uint8Array(shared).set([1, 2]);
    const out = toEchoPayload(shared) as Uint8Array;
    expect(out.buffer).toBeInstanceOf(ArrayBuffer);
    expect([...out]).toEqual([1, 2]);
  });
});

describe("exceeds", () => {
  test("binary: its byte length", () => {
    expect(exceeds(new ArrayBuffer(4), 4)).toBe(false);
    expect(exceeds(new Uint8Array(5), 4)).toBe(true);
    expect(exceeds(new Blob([new Uint8Array(5)]), 4)).toBe(true);
  });

  test("text: UTF-8 bytes, whichever way the length decides", () => {
    expect(exceeds(new Utf8Text(new TextEncoder().encode("éé")), 4)).toBe(false);
    expect(exceeds(new Utf8Text(new TextEncoder().encode("ééa")), 4)).toBe(true);
    expect(exceeds("abcd", 4)).toBe(false);
    expect(exceeds("abcde", 4)).toBe(true); // longer than max: over whatever the encoding
    expect(exceeds("€", 3)).toBe(false); // 1 unit, 3 bytes: at most max
    expect(exceeds("€€", 5)).toBe(true); // 2 units × 3 > 5: encoded, 6 bytes
    expect(exceeds("😀", 4)).toBe(false); // a surrogate pair: 2 units, 4 bytes
    expect(exceeds("😀a", 4)).toBe(true);
  });
});
