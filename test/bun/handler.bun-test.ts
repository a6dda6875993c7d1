// Bun's server-wide WebSocket handler takes its limits from the echo apps it serves (no second copy of the options).
import { expect, test } from "bun:test";
import { runtime, websocketHandler } from "../../src/bun/runtime.ts";
import { createEchoApp } from "../../src/echo-app.ts";
import { HIGH_WATER_MARK } from "../../src/flow-control.ts";

const MiB = 1024 * 1024;

test("Bun's maxPayloadLength and backpressureLimit come from the echo app's maxMessageSize, above 16 MiB too", () => {
  const handler = websocketHandler(createEchoApp(runtime, { maxMessageSize: 32 * MiB, logLevel: "silent" }));
  expect(handler.maxPayloadLength).toBe(32 * MiB);
  expect(handler.backpressureLimit).toBe(2 * HIGH_WATER_MARK + 32 * MiB);
});

test("with several echo apps, Bun's limit is the largest; each app's own is its echo's (1009)", () => {
  const small = createEchoApp(runtime, { maxMessageSize: 1000, logLevel: "silent" });
  const large = createEchoApp(runtime, { maxMessageSize: 20 * MiB, logLevel: "silent" });
  expect(websocketHandler(small, large).maxPayloadLength).toBe(20 * MiB);
});

test("without an echo app there is nothing to take the options from: a TypeError, not a silent default", () => {
  expect(() => websocketHandler()).toThrow(TypeError);
});
