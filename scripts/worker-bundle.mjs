// The Worker bundled as wrangler bundles it: ES modules, the `workerd` export condition,
// and what workerd provides itself left out. Used by scripts/miniflare.mjs and by the tests
// that run workerd alone (test/workers-compression-flag.test.ts), so both run the same bundle.
import * as esbuild from "esbuild";

/**
 * Bundles `entry` into `outfile`.
 * @param {string} entry
 * @param {string} outfile
 */
export async function bundleWorker(entry, outfile) {
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    // Provided by workerd itself, as wrangler treats them.
    external: ["cloudflare:*", "node:*"],
    outfile,
    logLevel: "warning",
  });
}
