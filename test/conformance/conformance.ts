/**
 * The vitest side: one test per case against one runtime, asserting that the
 * verdict is the one expected for that runtime (pass, unless expected.ts pins a
 * known runtime deviation). A runtime upgrade that fixes or worsens a case
 * shows up as a failing test, not silence.
 */
import process from "node:process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { missing, type RuntimeUnderTest } from "../runtimes.ts";
import { CASES } from "./cases.ts";
import { expectedFor, legOf } from "./expected.ts";
import { ConformanceServer, DEADLINES } from "./run.ts";

export function describeConformance(rt: RuntimeUnderTest): void {
  const reason = missing(rt);
  if (reason && process.env.CI !== "true") {
    console.warn(`SKIPPED ${reason}`);
    describe.skip(`conformance: ${rt.label} (runtime missing)`, () => {
      test("runs", () => {});
    });
    return;
  }

  describe(`conformance: ${rt.label}`, () => {
    const server = new ConformanceServer(rt);

    beforeAll(async () => {
      if (reason) throw new Error(`CI=true and ${reason}`);
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
