import { execFileSync } from "node:child_process";
import { expect, test } from "vitest";
import { describeRuntime } from "./suite.ts";
import { node24 } from "./runtimes.ts";

describeRuntime(node24);

test("the Node 24 leg runs on Node 24", () => {
  expect(execFileSync(".cache/node24/node", ["--version"]).toString()).toMatch(/^v24\./);
});
