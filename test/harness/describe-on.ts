import process from "node:process";
import { beforeAll, describe } from "vitest";

/**
 * Describes a suite that needs something this machine may lack (a runtime, a
 * browser): `missing` says what, or is undefined when all is there. Missing,
 * the suite's tests are listed as skipped under a title that says why, and
 * the reason goes to stderr; with CI=true they fail instead, so a runtime
 * cannot silently drop out of the matrix.
 */
export function describeOn(title: string, missing: string | undefined, body: () => void): void {
  if (missing === undefined) {
    describe(title, body);
    return;
  }
  if (process.env.CI === "true") {
    describe(title, () => {
      beforeAll(() => {
        throw new Error(`CI=true and ${missing}`);
      });
      body();
    });
    return;
  }
  console.warn(`SKIPPED ${title}: ${missing}`);
  describe.skip(`${title} (skipped: ${missing})`, body);
}
