// Runs the Worker under Miniflare (workerd), configured from wrangler.toml, on
// PORT/HOST like every other runtime. `wrangler dev` is the other way to run it
// (scripts/wrangler-dev.mjs); the test matrix runs both.
import { Miniflare } from "miniflare";
import process from "node:process";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { bundleWorker } from "./worker-bundle.mjs";
import { compatibilityFlagsFor, optionVarsFromEnv, refuseTlsVars } from "./worker-vars.mjs";

refuseTlsVars();
process.env.WRANGLER_SEND_METRICS = "false";
const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || "127.0.0.1";
const config = unstable_readConfig({ config: "wrangler.toml" });
// WORKER_ENTRY runs another module with the same configuration (examples/worker.ts in the tests).
const entry = process.env.WORKER_ENTRY || config.main;

const outfile = `dist/miniflare-${entry.replace(/\W+/g, "-")}.js`;
await bundleWorker(entry, outfile);

const mf = new Miniflare({
  name: config.name,
  modules: true,
  scriptPath: outfile,
  compatibilityDate: config.compatibility_date,
  compatibilityFlags: compatibilityFlagsFor(config.compatibility_flags),
  bindings: { ...config.vars, ...optionVarsFromEnv() },
  // Static Assets, as on the platform, with the router configuration `wrangler dev`
  // derives from wrangler.toml: `has_user_worker` (else the router answers 404
  // itself) and `run_worker_first` as `static_routing`, which sends `/ws` and
  // `/healthz` to the Worker without first asking the asset worker.
  assets: unstable_getMiniflareWorkerOptions(config).workerOptions.assets,
  // No request.cf data: Miniflare would otherwise fetch it from the network.
  cf: false,
  host,
  port,
});
const url = await mf.ready;
console.log(`ws-echo (workers) listening on ${url.origin}`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => mf.dispose().then(() => process.exit(0)));
}
