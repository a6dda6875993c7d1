import { expect, test } from "vitest";
import { DEFAULT_HOST, DEFAULT_PORT, readListenOptions, readyLine } from "../../src/listen.ts";

test("defaults are the same on every runtime", () => {
  expect(readListenOptions({})).toEqual({ port: DEFAULT_PORT, hostname: DEFAULT_HOST });
  expect(readListenOptions({ PORT: "", HOST: " " })).toEqual({ port: DEFAULT_PORT, hostname: DEFAULT_HOST });
});

test("PORT and HOST are read", () => {
  expect(readListenOptions({ PORT: "0", HOST: "::1" })).toEqual({ port: 0, hostname: "::1" });
  expect(readListenOptions({ PORT: "65535" }).port).toBe(65535);
});

test.each(["-1", "65536", "80a", "8.5", "0x50"])("PORT=%s fails, naming the variable and range", (value) => {
  expect(() => readListenOptions({ PORT: value })).toThrow(/PORT must be an integer from 0 to 65535/);
});

test("the ready line names the runtime and a URL", () => {
  expect(readyLine("deno", "127.0.0.1", 8080)).toBe("ws-echo (deno) listening on http://127.0.0.1:8080");
  expect(readyLine("bun", "::1", 80)).toBe("ws-echo (bun) listening on http://[::1]:80");
  expect(readyLine("node", "127.0.0.1", 8443, true)).toBe("ws-echo (node) listening on https://127.0.0.1:8443");
});
