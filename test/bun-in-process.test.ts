// Tests that need Bun's own process (its handler objects, JavaScriptCore's object sizes): test/bun/*.bun-test.ts,
// each run by `bun test` as a child process; its output is shown when it fails.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import process from "node:process";
import { expect, test } from "vitest";
import { describeOn } from "./harness/describe-on.ts";
import { bun, missing } from "./runtimes.ts";

const files = readdirSync("test/bun").filter((name) => name.endsWith(".bun-test.ts")).sort();

describeOn("bun, in process (bun test test/bun)", missing(bun), () => {
  for (const file of files) {
    test(file, async () => {
      const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
        execFile(
          bun.requires,
          ["test", `./test/bun/${file}`],
          { timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } },
          (error, stdout, stderr) =>
            resolve({
              code: error ? (typeof error.code === "number" ? error.code : null) : 0,
              output: stdout + stderr,
            }),
        );
      });
      expect(code, output).toBe(0);
      expect(output).toMatch(/ 0 fail/);
    }, 70_000);
  }
});
