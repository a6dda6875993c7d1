/**
 * The vitest side: one test per case against one runtime, asserting that the
 * verdict is the one expected for that runtime (pass, unless expected.ts pins a
 * known runtime deviation). A runtime upgrade that fixes or worsens a case
 * shows up as a failing test, not silence.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { describeOn } from "../harness/describe-on.ts";
import { missing, type RuntimeUnderTest } from "../runtimes.ts";
import { CASES } from "./cases.ts";
import { expectedFor, legOf } from "./expected.ts";
import { ConformanceServer, DEADLINES } from "./run.ts";

export function describeConformance(rt: RuntimeUnderTest): void {
  describeOn(`conformance: ${rt.label}`, missing(rt), () => {
    const server = new ConformanceServer(rt);

    beforeAll(async () => {
      await server.start();
    }, 120_000);

    afterAll(() => server.stop(), 30_000);

    for (const testCase of CASES) {
      const expected = expectedFor(rt.runtime, testCase.id, legOf(rt));
      const d = expected.deviation;
      const pinned = d ? ` [known deviation: ${d.upstream && !d.related ? d.upstream : "no upstream issue"}]` : "";
      test(`${testCase.id} ${testCase.title}: ${expected.verdict}${pinned}`, async () => {
        const result = await server.run(testCase);
        expect(
          result.verdict,
          `${testCase.id} on ${rt.label}: RFC expects ${testCase.expected}; the server did: ${result.observed}`,
        ).toBe(expected.verdict);
      }, DEADLINES.bulkMs * 2 + 120_000);
    }
  });
}
