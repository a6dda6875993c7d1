// `wrangler dev` on PORT/HOST like every other runtime, printing the same ready
// line once the Worker answers. Telemetry and Request.cf fetches are off.
import { spawn } from "node:child_process";
import process from "node:process";
import { unstable_readConfig } from "wrangler";
import { compatibilityFlagsFor, optionVarsFromEnv, refuseTlsVars } from "./worker-vars.mjs";

refuseTlsVars();
const port = process.env.PORT || "8080";
const host = process.env.HOST || "127.0.0.1";
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
const vars = Object.entries(optionVarsFromEnv()).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
// COMPRESSION=on drops wrangler.toml's no_web_socket_compression; the flags given replace the file's.
const flags = unstable_readConfig({ config: "wrangler.toml" }).compatibility_flags;
const chosen = compatibilityFlagsFor(flags);
if (chosen.length !== flags.length) vars.push("--compatibility-flags", ...chosen);
// Arguments after `--` go to wrangler (`npm run start:workers -- --local-protocol https`: docs/tls.md).
const extra = process.argv.slice(2);
const args = ["dev", "--port", port, "--ip", host, "--show-interactive-dev-session=false", ...vars, ...extra];
const wrangler = spawn("node_modules/.bin/wrangler", args, { env, stdio: ["ignore", "pipe", "inherit"] });

let ready = false;
wrangler.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  const match = !ready && /Ready on (https?:\/\/\S+)/.exec(String(chunk));
  if (match) {
    ready = true;
    console.log(`ws-echo (workers) listening on ${new URL(match[1]).origin}`);
  }
});
wrangler.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => wrangler.kill(signal));
