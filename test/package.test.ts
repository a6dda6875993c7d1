/**
 * The package as users install it: `npm pack` ships only the built entry
 * points, they import through "exports", and their declarations type-check a
 * user's code.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";

let files: string[] = [];
let exportsMap: Record<string, Record<string, string>> = {};

beforeAll(() => {
  // --dry-run still runs `prepack`, which builds dist/lib.
  const [pack] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json"], { encoding: "utf8" }));
  files = pack.files.map((f: { path: string }) => f.path);
  exportsMap = JSON.parse(execFileSync("npm", ["pkg", "get", "exports"], { encoding: "utf8" }));
}, 120_000);

test("npm pack lists only what a user needs", () => {
  expect(files.filter((f) => !f.startsWith("dist/lib/")).sort()).toEqual(["LICENSE", "README.md", "package.json"]);
  expect(files.some((f) => /\.(test|spec)\.|^src\/|^test\/|^bench\//.test(f))).toBe(false);
});

test("every export's files are in the package", () => {
  expect(Object.keys(exportsMap).sort()).toEqual([".", "./bun", "./deno", "./node", "./workers"]);
  for (const [entry, targets] of Object.entries(exportsMap)) {
    for (const target of Object.values(targets)) expect(files, entry).toContain(target.replace(/^\.\//, ""));
  }
});

test("Node imports the shared module and the Node runtime through the exports", () => {
  const script = `
    import { createEchoApp } from "ws-echo";
    import { runtime } from "ws-echo/node";
    const response = await createEchoApp(runtime).request("/ws");
    console.log(JSON.stringify({ status: response.status, runtime: runtime.name }));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  expect(JSON.parse(out)).toEqual({ status: 426, runtime: "node" });
});

let dir: string;
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

test("the declarations type-check a user's code", () => {
  dir = mkdtempSync(join(tmpdir(), "ws-echo-types-"));
  const config = join(dir, "tsconfig.json");
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        lib: ["es2023", "dom"],
        types: ["node"],
        typeRoots: [resolve("node_modules/@types")],
        skipLibCheck: false,
      },
      files: [resolve("test/package/consumer.ts")],
    }),
  );
  expect(existsSync("dist/lib/mod.d.ts")).toBe(true);
  execFileSync("node_modules/.bin/tsc", ["-p", config], { encoding: "utf8" });
}, 60_000);

test("deno.json is ready for JSR: `deno publish --dry-run` passes offline", () => {
  // Throws, with Deno's report, on any problem (slow types, missing license, type errors).
  const result = spawnSync("node_modules/deno/deno", ["publish", "--dry-run", "--allow-dirty"], {
    encoding: "utf8",
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stderr).toMatch(/Dry run complete/);
  expect(result.stderr).toContain("src/deno/runtime.ts");
}, 120_000);
