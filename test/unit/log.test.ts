// The log line (src/log.ts): the JSON of `{ time, level, msg, ...fields }`, put together without the copy.
import { expect, test } from "vitest";
import { createLogger, type LogFields } from "../../src/log.ts";

function lineOf(message: string, fields?: LogFields): string {
  const lines: string[] = [];
  createLogger("debug", (line) => lines.push(line)).info(message, fields);
  expect(lines.length).toBe(1);
  return lines[0]!;
}

test.each<[string, LogFields | undefined]>([
  ["ws open", { id: 1, remote: "127.0.0.1", protocol: undefined }],
  ["ws close", { id: 2, code: 1000, reason: 'a "quoted"\nreason', durationMs: 5, ok: true, none: null }],
  ["no fields", undefined],
  ["empty fields", {}],
  ["only undefined", { protocol: undefined }],
  ['a "msg" with\ttabs', { id: 3 }],
  ["fields that replace the head", { msg: "mine", level: "custom", id: 4 }],
])("%s: the same line as JSON.stringify of the copy", (message, fields) => {
  const line = lineOf(message, fields);
  const parsed = JSON.parse(line) as { time: string };
  expect(new Date(parsed.time).toISOString()).toBe(parsed.time);
  expect(line).toBe(JSON.stringify({ time: parsed.time, level: "info", msg: message, ...fields }));
});
