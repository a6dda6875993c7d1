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
  "METRICS",
  "METRICS_TOKEN",
  "MAX_CONNECTIONS_PER_CLIENT",
  "TRUSTED_PROXIES",
  "HANDSHAKE_TIMEOUT_MS",
  "MAX_MESSAGES_PER_SECOND",
  "IDLE_TIMEOUT_MS",
  // Accepted and ignored by a Worker (the platform places isolates); still checked, so a typo fails there too.
  "WORKERS",
  "COMPRESSION",
  "COMPRESSION_THRESHOLD_BYTES",
];

/**
 * TLS_CERT_FILE and TLS_KEY_FILE (src/tls.ts) are for Node, Deno and Bun: a
 * Worker has no certificate of its own, Cloudflare terminates TLS. Set on
 * Workers, they stop the launcher rather than be silently ignored.
 */
export function refuseTlsVars(env = process.env) {
  const set = ["TLS_CERT_FILE", "TLS_KEY_FILE"].find((name) => env[name]?.trim());
  if (!set) return;
  console.error(
    `${set} is not used on Workers: Cloudflare terminates TLS. For https and wss locally, unset it and run ` +
      "`npm run start:workers -- --local-protocol https` (add --https-cert-path and --https-key-path for your own " +
      "certificate); see docs/tls.md",
  );
  process.exit(1);
}

/** The option variables set in this process's environment. */
export function optionVarsFromEnv(env = process.env) {
  return Object.fromEntries(OPTION_VARS.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}

/**
 * The Worker's compatibility flags for this environment: COMPRESSION=on drops
 * `no_web_socket_compression` (wrangler.toml), since workerd negotiates
 * permessage-deflate only without it (src/compression.ts).
 */
export function compatibilityFlagsFor(flags = [], env = process.env) {
  if (env.COMPRESSION?.trim() !== "on") return flags;
  return flags.filter((flag) => flag !== "no_web_socket_compression");
}
