/**
 * COMPRESSION on workerd itself, without Miniflare's entry worker (which stands
 * before ours locally and negotiates permessage-deflate by itself: test/runtimes.ts,
 * `deflate`). The Worker runs alone on `workerd serve`, as on the platform it is
 * the one answering: wrangler.toml's `no_web_socket_compression` declines, and a
 * COMPRESSION that disagrees with the flags stops the Worker at start-up.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { unstable_readConfig } from "wrangler";
// @ts-expect-error -- a plain .mjs launcher module without type declarations
import { bundleWorker } from "../scripts/worker-bundle.mjs";
// @ts-expect-error -- a plain .mjs launcher module without type declarations
import { compatibilityFlagsFor } from "../scripts/worker-vars.mjs";
import { until } from "./harness/deadline.ts";
import { groupAlive, signalGroup } from "./harness/proc.ts";
import { RawWebSocket } from "./harness/raw.ts";
import { describeOn } from "./harness/describe-on.ts";
import { freePort } from "./harness/server-process.ts";

const WORKERD = "node_modules/.bin/workerd";
const OFFER = "permessage-deflate; client_max_window_bits";
const { compatibility_date: DATE, compatibility_flags: FLAGS = [] } = unstable_readConfig({ config: "wrangler.toml" });

interface Workerd {
  port: number;
  child: ChildProcess;
  output(): string;
}

describeOn(
  "workerd alone: COMPRESSION and the no_web_socket_compression flag",
  existsSync(WORKERD) ? undefined : `${WORKERD} is missing (run "npm ci")`,
  () => {
    let dir: string;
    const started: Workerd[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "ws-echo-workerd-"));
      // Bundled as scripts/miniflare.mjs bundles it.
      await bundleWorker("src/workers/worker.ts", join(dir, "worker.js"));
    }, 60_000);

    afterAll(async () => {
      for (const { child } of started) {
        if (child.pid !== undefined) {
          signalGroup(child.pid, "SIGKILL");
          await until(10_000, `workerd group ${child.pid} to end`, () => !groupAlive(child.pid!), 50);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    /** Serves the Worker on workerd with wrangler.toml's date, the given flags and COMPRESSION. */
    async function serve(flags: string[], compression: "on" | "off"): Promise<Workerd> {
      const port = await freePort();
      const config = join(dir, `${compression}-${port}.capnp`);
      writeFileSync(
        config,
        `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${DATE}",
  compatibilityFlags = [${flags.map((flag) => JSON.stringify(flag)).join(", ")}],
  bindings = [ (name = "COMPRESSION", text = "${compression}"), (name = "LOG_LEVEL", text = "warn") ],
);
`,
      );
      const child = spawn(WORKERD, ["serve", config], { stdio: ["ignore", "pipe", "pipe"], detached: true });
      let output = "";
      child.stdout!.on("data", (chunk) => (output += chunk));
      child.stderr!.on("data", (chunk) => (output += chunk));
      const server = { port, child, output: () => output };
      started.push(server);
      return server;
    }

    async function handshake(server: Workerd) {
      let answer: Awaited<ReturnType<typeof RawWebSocket.open>> | undefined;
      await until(15_000, `workerd on ${server.port} to answer a handshake`, async () => {
        try {
          answer = await RawWebSocket.open(server.port, { headers: { "Sec-WebSocket-Extensions": OFFER } });
          return true;
        } catch {
          return false;
        }
      }, 100);
      answer!.socket.destroy();
      return answer!.head;
    }

    test("COMPRESSION=off with wrangler.toml's flags: the offer is declined", async () => {
      expect(FLAGS).toContain("no_web_socket_compression");
      const head = await handshake(
        await serve(FLAGS, "off"),
      );
      expect(head.status).toBe(101);
      expect(head.headers["sec-websocket-extensions"]).toBeUndefined();
    });

    test("COMPRESSION=on without the flag (what the launchers run): accepted without context takeover", async () => {
      const head = await handshake(await serve(compatibilityFlagsFor(FLAGS, { COMPRESSION: "on" }), "on"));
      expect(head.headers["sec-websocket-extensions"]).toBe(
        // server_max_window_bits=15 is in our answer whatever the offer (RFC 7692 §7.1.2.1 allows it), so that
        // workerd accepts offers that ask for a smaller server window (src/compression.ts).
        "permessage-deflate; client_no_context_takeover; server_no_context_takeover; server_max_window_bits=15",
      );
    });

    test("COMPRESSION=on with the flag kept: the Worker does not start, naming COMPRESSION and the flag", async () => {
      const server = await serve(FLAGS, "on");
      await until(
        15_000,
        "workerd to report the Worker's start-up error",
        () => /OptionError/.test(server.output()),
        100,
      );
      expect(server.output()).toMatch(/COMPRESSION=on needs .* remove no_web_socket_compression/);
    });
  },
);
