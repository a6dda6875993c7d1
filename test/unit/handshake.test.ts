import { expect, test } from "vitest";
import { selectSubprotocol } from "../../src/handshake.ts";

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
