// The option variables (src/options.ts) that the Workers launchers pass from
// their environment to the Worker as vars, so one command line configures any
// runtime. test/unit/worker-vars.test.ts keeps this list and src/options.ts in step.
import process from "node:process";

export const OPTION_VARS = [
  "KEEP_ALIVE_INTERVAL_MS",
  "KEEP_ALIVE_TIMEOUT_MS",
  "MAX_MESSAGE_BYTES",
  "ALLOWED_ORIGINS",
  "SUBPROTOCOLS",
  "MAX_CONNECTIONS",
  "LOG_LEVEL",
  // Accepted and ignored by a Worker (the platform places isolates); still checked, so a typo fails there too.
  "WORKERS",
];

/** The option variables set in this process's environment. */
export function optionVarsFromEnv(env = process.env) {
  return Object.fromEntries(OPTION_VARS.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}
