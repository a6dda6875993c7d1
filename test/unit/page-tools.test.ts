/**
 * The test page's pure helpers (public/js), on their own: the backoff's limits,
 * the percentile, the shared address, the log filter, JSON pretty-printing.
 * The page itself runs in Chromium in test/browser/page-tools.ts.
 */
import { describe, expect, test } from "vitest";
import { prettyJson } from "../../public/js/entry-detail.js";
import { percentile } from "../../public/js/latency-chart.js";
import { entryMatches } from "../../public/js/log-filter.js";
import { backoffDelay, RECONNECT_LIMITS } from "../../public/js/reconnect.js";
import { readSetup, setupQuery, socketUrlProblem } from "../../public/js/share-url.js";

describe("reconnect backoff", () => {
  test("full jitter below min(30 s, 0.5 s doubled per attempt), 10 attempts", () => {
    expect(RECONNECT_LIMITS).toEqual({ baseMs: 500, factor: 2, capMs: 30_000, maxAttempts: 10 });
    const bound = (attempt: number) => backoffDelay(attempt, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 10].map(bound)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(backoffDelay(3, () => 0)).toBe(0);
    expect(backoffDelay(3, () => 0.25)).toBe(500);
  });
});

describe("percentile (nearest rank)", () => {
  test("the smallest value with at least p % at or below it", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([50, 90, 99, 100].map((p) => percentile(sorted, p))).toEqual([50, 90, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe("shared address", () => {
  const defaults = { url: "ws://127.0.0.1:8080/ws", protocols: "", reconnect: false };
  test("fills the form from the query string", () => {
    expect(readSetup("?url=wss%3A%2F%2Fecho.example%2Fws&protocols=chat&reconnect=1&connect=1", defaults)).toEqual({
      url: "wss://echo.example/ws",
      protocols: "chat",
      reconnect: true,
      connect: true,
    });
    expect(readSetup("", defaults)).toEqual({ ...defaults, connect: false });
  });
  test("refuses a url that is not ws: or wss:, and then does not connect", () => {
    for (const url of ["http://127.0.0.1/ws", "javascript:alert(1)", "file:///etc/passwd", "not a url"]) {
      const setup = readSetup(`?url=${encodeURIComponent(url)}&connect=1`, defaults);
      expect(setup.url, url).toBe(defaults.url);
      expect(setup.connect, url).toBe(false);
      expect(setup.problem, url).toMatch(/^Refused the url in the address: /);
    }
    expect(socketUrlProblem("ws://a/")).toBeUndefined();
  });
  test("writes only what differs from the defaults", () => {
    expect(setupQuery(defaults, defaults)).toBe("");
    expect(setupQuery({ url: "ws://a/ws", protocols: "chat, x", reconnect: true }, defaults)).toBe(
      "?url=ws%3A%2F%2Fa%2Fws&protocols=chat%2C+x&reconnect=1",
    );
  });
});

describe("log filter", () => {
  const entry = (kind: "sent" | "received" | "event" | "error", format?: "text" | "binary", data = "Hello") => ({
    kind,
    format,
    data,
    seq: 1,
    time: "00:00:00.000",
  });
  const all = { direction: "all", type: "all", search: "" };
  test("direction, type and search, any case", () => {
    expect(entryMatches(entry("sent", "text"), all)).toBe(true);
    expect(entryMatches(entry("sent", "text"), { ...all, direction: "received" })).toBe(false);
    expect(entryMatches(entry("error"), { ...all, direction: "event" })).toBe(true);
    expect(entryMatches(entry("received", "binary"), { ...all, type: "text" })).toBe(false);
    expect(entryMatches(entry("received", "text"), { ...all, search: "hELLo" })).toBe(true);
    expect(entryMatches(entry("received", "text"), { ...all, search: "bye" })).toBe(false);
  });
});

describe("prettyJson", () => {
  test("objects and arrays only; anything else is left as it is", () => {
    expect(prettyJson(' {"a":[1]} ')).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(prettyJson("[1,2")).toBeUndefined();
    expect(prettyJson('"text"')).toBeUndefined();
    expect(prettyJson("42")).toBeUndefined();
  });
});
