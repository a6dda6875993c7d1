import { describe, expect, test } from "vitest";
import { CASES } from "./cases.ts";
import { DEVIATIONS } from "./expected.ts";

describe("the pinned runtime deviations", () => {
  const ids = new Set(CASES.map((c) => c.id));

  test("case ids are unique", () => {
    expect(ids.size).toBe(CASES.length);
  });

  test("every pinned case exists", () => {
    const unknown = DEVIATIONS.flatMap((d) => d.cases.filter((id) => !ids.has(id)).map((id) => `${d.runtime} ${id}`));
    expect(unknown).toEqual([]);
  });

  test("no case is pinned twice for the same runtime leg", () => {
    const seen = new Set<string>();
    const twice: string[] = [];
    for (const d of DEVIATIONS) {
      const legs = d.runtime !== "workers" ? [""] : d.only ? [d.only] : ["miniflare", "wrangler"];
      for (const leg of legs) {
        for (const id of d.cases) {
          const key = `${d.runtime}/${leg}/${id}`;
          if (seen.has(key)) twice.push(key);
          seen.add(key);
        }
      }
    }
    expect(twice).toEqual([]);
  });

  test("every upstream link is a GitHub issue or pull request", () => {
    for (const d of DEVIATIONS) {
      if (d.upstream !== undefined) {
        expect(d.upstream).toMatch(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/(issues|pull)\/\d+$/);
      }
    }
  });
});
