// Runs bench/native/worker.mjs under Miniflare (workerd) with the compatibility
// date and flags of our wrangler.toml, so the two Workers differ only in code.
import { Miniflare } from "miniflare";
import process from "node:process";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { compatibilityFlagsFor } from "../../scripts/worker-vars.mjs";

process.env.WRANGLER_SEND_METRICS = "false";
const config = unstable_readConfig({ config: "wrangler.toml" });
const mf = new Miniflare({
  name: "native-echo",
  modules: true,
  scriptPath: "bench/native/worker.mjs",
  compatibilityDate: config.compatibility_date,
  // NATIVE_COMPRESSION=on (the compressed modes, bench/compression.ts): without no_web_socket_compression, as
  // scripts/miniflare.mjs runs ours with COMPRESSION=on; workerd has no threshold.
  compatibilityFlags: compatibilityFlagsFor(config.compatibility_flags, {
    COMPRESSION: process.env.NATIVE_COMPRESSION,
  }),
  // NATIVE_ASSETS=1 puts Static Assets in front with our wrangler.toml's router
  // configuration (scripts/miniflare.mjs takes the same): to measure what that hop costs.
  ...(process.env.NATIVE_ASSETS === "1"
    ? { assets: unstable_getMiniflareWorkerOptions(config).workerOptions.assets }
    : {}),
  cf: false,
  host: process.env.HOST || "127.0.0.1",
  port: Number(process.env.PORT || 8080),
});
const url = await mf.ready;
console.log(`native-echo (workers) listening on ${url.origin}`);
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => mf.dispose().then(() => process.exit(0)));
