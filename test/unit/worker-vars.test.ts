import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
// @ts-expect-error -- a plain .mjs launcher module without type declarations
import { OPTION_VARS } from "../../scripts/worker-vars.mjs";

test("the Workers launchers pass every option variable that src/options.ts reads", () => {
  const source = readFileSync("src/options.ts", "utf8");
  const read = [...source.matchAll(/env: "([A-Z_]+)"|\(env, "([A-Z_]+)"\)/g)].map((m) => m[1] ?? m[2]);
  expect(new Set(OPTION_VARS)).toEqual(new Set(read));
});
