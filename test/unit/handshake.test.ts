import { describe, expect, test } from "vitest";
import { refuseHandshake, selectSubprotocol } from "../../src/handshake.ts";

test.each(
  [
    ["chat, superchat", ["superchat", "chat"], "chat"],
    ["a,  b ", ["b"], "b"],
    ["a, b", ["c"], undefined],
    ["a", [], undefined],
    [null, ["a"], undefined],
    ["", ["a"], undefined],
  ] as const,
)("offered %j, supported %j: %j", (offered, supported, expected) => {
  expect(selectSubprotocol(offered, supported)).toBe(expected);
});

test("works on the Set that ws hands to handleProtocols", () => {
  expect(selectSubprotocol(new Set(["x", "y"]), ["y"])).toBe("y");
});

describe("refuseHandshake: Host", () => {
  const options = { allowedOrigins: [], maxConnections: 10 };
  const handshake = (host?: string) =>
    new Headers({
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      ...(host === undefined ? {} : { Host: host }),
    });
  test.each([
    "127.0.0.1:8080",
    "localhost",
    "example.com",
    "[::1]:8080",
    "[2001:db8::1]",
    "xn--bcher-kva.example",
    "a%20b",
  ])(
    "%j is an authority: accepted",
    (host) => expect(refuseHandshake(handshake(host), options, 0)).toBeUndefined(),
  );
  test.each(["bad host[", "a:b:c", "[::1", "example.com:80x", "a/b", "user@host", "%zz", ""])(
    "%j gets 400",
    (host) =>
      expect(refuseHandshake(handshake(host), options, 0)).toMatchObject({ status: 400, reason: "malformed Host" }),
  );
  test("no Host at all is the runtime's to judge (a Request made in-process has none)", () => {
    expect(refuseHandshake(handshake(), options, 0)).toBeUndefined();
  });
});
