// Workers entry point: `wrangler dev`. `public/` is served by Static Assets
// (wrangler.toml) without running the Worker, so the app has no static
// middleware; the Worker gets `/ws` and `/healthz` first (run_worker_first) and
// every other path that has no file.
// Options come from the Worker's vars (wrangler.toml [vars], or `--var`).
import { env } from "cloudflare:workers";
import { createApp } from "../service.ts";
import { createLogger } from "../log.ts";
import { workersCompressionMismatch } from "../compression.ts";
import { OptionError, readOptions } from "../options.ts";
import { runtime } from "./runtime.ts";

const options = readOptions(env as unknown as Record<string, unknown>);
// COMPRESSION is decided by a compatibility flag on workerd (../compression.ts).
const mismatch = workersCompressionMismatch(
  options,
  typeof Cloudflare === "undefined" ? undefined : Cloudflare.compatibilityFlags,
);
if (mismatch) throw new OptionError(mismatch);

export default createApp({ runtime, options, log: createLogger(options.logLevel) });
