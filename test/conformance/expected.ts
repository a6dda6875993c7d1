/**
 * What each runtime is expected to score. Every case is expected to pass
 * unless a known runtime deviation below says otherwise; each deviation names
 * what the runtime does and the upstream issue or change behind it (found in
 * the runtime's tracker), or says that none was found. The conformance tests
 * assert these verdicts, so a runtime upgrade that fixes or worsens a case
 * fails a test and this file changes with it. Nothing our own code controls
 * may appear here.
 */
import type { RuntimeName } from "../../src/runtime.ts";
import type { Verdict } from "./judge.ts";

export interface Deviation {
  runtime: RuntimeName;
  /** Where it shows: "workers" covers Miniflare and `wrangler dev` unless `only` narrows it. */
  only?: "miniflare" | "wrangler";
  cases: readonly string[];
  verdict: Exclude<Verdict, "pass">;
  /** What the runtime does, in a sentence. */
  what: string;
  /** The upstream issue or change, or undefined when the tracker has none (say so in `what`). */
  upstream?: string;
  /** The upstream link is related (a likely cause, a wider effort), not an issue about this very deviation. */
  related?: true;
}

const range = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

/** The protocol errors Deno answers by dropping TCP: every "fail the connection" case it does fail. */
const DENO_DROPS = [
  "1.4.1",
  "2.4",
  ...range("3.", 1, 5),
  ...range("4.1.", 1, 5),
  ...range("4.2.", 1, 5),
  "4.3",
  ...range("5.", 5, 11),
  ...range("6.", 4, 11),
  "6.13",
  "7.5",
  "7.7",
  "9.4",
  "10.2",
  "14.6",
];

/** The compression cases that need the extension agreed: Deno declines every offer (denoland/deno#7681). */
const DENO_DECLINES = [
  ...range("12.1.", 1, 5),
  ...range("12.2.", 1, 5),
  ...range("12.3.", 1, 4),
  ...range("12.4.", 1, 7),
  ...range("13.", 1, 4),
  ...range("13.5.", 1, 3),
  ...range("13.6.", 1, 3),
  ...range("13.", 7, 9),
  ...range("14.", 1, 5),
];

export const DEVIATIONS: readonly Deviation[] = [
  {
    runtime: "node",
    cases: ["6.13"],
    verdict: "non-strict",
    what: "ws validates UTF-8 once a message is complete, so an invalid first fragment is not failed until the " +
      "message ends (by design: a fragment may end inside a code point)",
    upstream: "https://github.com/websockets/ws/issues/1730",
  },
  {
    runtime: "bun",
    cases: ["6.13"],
    verdict: "non-strict",
    what: "Bun (uWebSockets) validates UTF-8 once a message is complete, so an invalid first fragment is not failed " +
      "until the message ends; no upstream issue found",
  },
  {
    runtime: "deno",
    cases: DENO_DROPS,
    verdict: "non-strict",
    what: "on a protocol error Deno closes TCP without a close frame (1002/1007 is a MAY in RFC 6455 §7.1.7); " +
      "no upstream issue found for it",
    upstream: "https://github.com/denoland/deno/issues/17242",
    related: true,
  },
  {
    runtime: "deno",
    cases: ["6.12"],
    verdict: "fail",
    what: "a text message whose last fragment completes an invalid sequence (a trailing E2 82) is echoed instead " +
      "of failing with 1007; no upstream issue found for it (a likely cause: fastwebsockets stopped validating " +
      "partial text frames one by one)",
    upstream: "https://github.com/denoland/fastwebsockets/pull/123",
    related: true,
  },
  {
    runtime: "deno",
    cases: ["7.6"],
    verdict: "fail",
    what: "a close frame with a 126-byte payload is accepted and echoed back, so Deno itself sends an over-long " +
      "control frame; no upstream issue found",
  },
  {
    runtime: "deno",
    cases: ["7.10.16"],
    verdict: "non-strict",
    what: "the IANA-registered close code 1014 is refused with 1002 (1012 and 1013 are echoed); no upstream issue " +
      "found",
  },
  {
    runtime: "deno",
    cases: ["10.1"],
    verdict: "fail",
    what: "an unmasked client frame is accepted and echoed (RFC 6455 §5.1: the server MUST close); no upstream " +
      "issue found",
  },
  {
    runtime: "workers",
    cases: ["2.4"],
    verdict: "fail",
    what: "workerd answers a 126-byte ping with a 126-byte pong instead of failing the connection; no upstream " +
      "issue found",
  },
  {
    runtime: "workers",
    cases: ["2.6"],
    verdict: "non-strict",
    what: "of 10 pings in one write workerd answers only the last (allowed by RFC 6455 §5.5.3)",
  },
  {
    runtime: "workers",
    cases: ["3.2", "4.3", "5.11"],
    verdict: "non-strict",
    what: "a valid message received just before a protocol error is dropped, not echoed, before workerd fails the " +
      "connection; no upstream issue found",
  },
  {
    runtime: "workers",
    cases: range("6.", 4, 12),
    verdict: "fail",
    what: "workerd does not validate UTF-8 in text messages: invalid bytes reach the Worker as U+FFFD and are " +
      "echoed instead of failing with 1007; no upstream issue found",
  },
  {
    runtime: "workers",
    cases: ["6.13"],
    verdict: "non-strict",
    what: "no UTF-8 validation, so nothing fails fast either: the connection stays open",
  },
  {
    runtime: "workers",
    cases: ["7.5", "7.11.13"],
    verdict: "non-strict",
    what: "a 1-byte close payload, and the code 1005 without a reason, reach the Worker as 1005 with no reason, " +
      "the same as an empty close, which is answered in kind; no upstream issue found",
  },
  {
    runtime: "workers",
    cases: ["7.7"],
    verdict: "non-strict",
    what: "an invalid UTF-8 close reason reaches the Worker with U+FFFD in it, so the close is echoed instead of " +
      "failed with 1007; no upstream issue found",
  },
  {
    runtime: "workers",
    cases: ["10.1"],
    verdict: "fail",
    what: "an unmasked client frame is accepted and echoed (RFC 6455 §5.1: the server MUST close); no upstream " +
      "issue found",
  },
  {
    runtime: "workers",
    cases: ["9.6", "9.7"],
    verdict: "fail",
    what: "a close that arrives while echoes are still going out is not answered: the echoes arrive, then TCP " +
      "ends without a close frame (seen behind two or more messages in one write, and by timing behind one 4 MiB " +
      "message; a bare WebSocketPair Worker alike, with workerd's own close reply or ours; one small message " +
      "before the close is answered, cases 7.9, 7.12, 7.13); no upstream issue found",
  },
  {
    runtime: "workers",
    only: "wrangler",
    cases: ["0.2", "0.4"],
    verdict: "fail",
    what: "wrangler dev's proxy answers Sec-WebSocket-Version 8 with 400 itself and replaces a malformed " +
      "Sec-WebSocket-Key before the Worker sees it (Miniflare passes both to the Worker, which answers 426 and " +
      "400); no upstream issue found",
  },
  {
    runtime: "node",
    cases: ["13.10"],
    verdict: "non-strict",
    what: "ws refuses a handshake whose permessage-deflate offer has an invalid parameter value with 400 " +
      '("Invalid or unacceptable Sec-WebSocket-Extensions header") instead of declining the offer and completing it ' +
      "(RFC 7692 §5); no upstream issue found",
  },
  {
    runtime: "deno",
    cases: DENO_DECLINES,
    verdict: "n/a",
    what: "Deno.upgradeWebSocket has no extensions, so every permessage-deflate offer is declined: each case checks " +
      "that the 101 comes without Sec-WebSocket-Extensions and that its messages echo uncompressed",
    upstream: "https://github.com/denoland/deno/issues/7681",
  },
  {
    runtime: "bun",
    cases: ["13.6.1", "13.6.2", "13.7"],
    verdict: "n/a",
    what: "an offer asking for a server window below 15 bits is declined (RFC 7692 §7.1.2.1 allows it): Bun's " +
      "shared compressor, which ws-echo chooses so that no socket has one of its own (docs/compression.md), " +
      "always deflates with the full window, so uWebSockets cannot agree to a smaller one",
  },
  {
    runtime: "workers",
    cases: ["14.1", "14.2"],
    verdict: "fail",
    what: "with compression agreed, workerd ignores RSV1 on a ping and on a continuation frame (RFC 7692 §6.1: fail " +
      "the connection): it answers the ping and echoes the message; no upstream issue found",
  },
  {
    runtime: "workers",
    cases: ["14.3"],
    verdict: "non-strict",
    what: "with compression agreed, a close frame with RSV1 is answered with close 1000 and a reason of stray bytes " +
      "the client never sent, instead of 1002; no upstream issue found",
  },
  {
    runtime: "workers",
    cases: ["3.1", "3.5", "14.6"],
    verdict: "fail",
    what: "workerd fails an RSV1 frame on a connection without compression with a close frame of 129 bytes: 1002 " +
      "and a 127-byte error message as reason, over the 125-byte control-frame limit; no upstream issue found",
  },
];

export interface ExpectedVerdict {
  verdict: Verdict;
  deviation?: Deviation;
}

/** The verdict a case is expected to get on a runtime leg ("miniflare"/"wrangler" for workers). */
export function expectedFor(runtime: RuntimeName, caseId: string, leg?: "miniflare" | "wrangler"): ExpectedVerdict {
  const deviation = DEVIATIONS.find((d) =>
    d.runtime === runtime && d.cases.includes(caseId) && (d.only === undefined || d.only === leg)
  );
  return deviation ? { verdict: deviation.verdict, deviation } : { verdict: "pass" };
}

/** Which workers leg a runtime entry is: Miniflare and `wrangler dev` differ in front of the same workerd. */
export function legOf(rt: { script: string }): "miniflare" | "wrangler" | undefined {
  if (rt.script === "start:miniflare") return "miniflare";
  if (rt.script === "start:workers") return "wrangler";
  return undefined;
}
