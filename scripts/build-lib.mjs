// Builds the package's entry points into dist/lib: ES modules (shared code split
// into chunks, dependencies left to the user's install) and their declarations.
// Deno users take the TypeScript source (deno.json exports, JSR-ready) instead
// of declarations: tsc cannot type the Deno namespace.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";

const out = "dist/lib";
rmSync(out, { recursive: true, force: true });

await esbuild.build({
  entryPoints: [
    "src/mod.ts",
    "src/node/runtime.ts",
    "src/deno/runtime.ts",
    "src/bun/runtime.ts",
    "src/workers/runtime.ts",
  ],
  outbase: "src",
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "neutral",
  packages: "external",
  external: ["cloudflare:*", "node:*"],
  chunkNames: "chunks/[name]-[hash]",
  target: "es2022",
  logLevel: "warning",
});

// One declaration pass per runtime's types (their globals clash with each other).
for (
  const [config, files] of [
    ["tsconfig.json", ["src/mod.ts", "src/node/runtime.ts"]],
    ["src/bun/tsconfig.json", ["src/bun/runtime.ts"]],
    ["src/workers/tsconfig.json", ["src/workers/runtime.ts"]],
  ]
) {
  const tsconfig = `${out}/tsconfig.${config.replaceAll("/", "-")}`;
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: `../../${config}`,
      compilerOptions: {
        noEmit: false,
        emitDeclarationOnly: true,
        declaration: true,
        outDir: ".",
        rootDir: "../../src",
      },
      include: [],
      files: files.map((file) => `../../${file}`),
    }),
  );
  execFileSync("node_modules/.bin/tsc", ["-p", tsconfig], { stdio: "inherit" });
  rmSync(tsconfig);
}

// Declarations keep the sources' `.ts` specifiers; published ones point at `.js`.
for (const file of walk(out)) {
  if (!file.endsWith(".d.ts")) continue;
  const text = readFileSync(file, "utf8");
  writeFileSync(file, text.replace(/(from\s+["']\.{1,2}\/[^"']+)\.ts(["'])/g, "$1.js$2"));
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
