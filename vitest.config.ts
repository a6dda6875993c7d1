import process from "node:process";
import { defineConfig } from "vitest/config";

/** .ci/run asks for a JSON report beside the usual output (for its closing line) through this variable. */
const jsonReport = process.env.VITEST_JSON_REPORT;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each runtime test file starts its own server process; two at a time fits two cores.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: jsonReport ? ["default", "json"] : ["default"],
    ...(jsonReport ? { outputFile: { json: jsonReport } } : {}),
  },
});
