/**
 * "Deploy" (docs/deploy.md): the Worker bundle `wrangler deploy` would upload
 * is built, offline, with `--dry-run` into a temporary folder. Nothing is sent:
 * no account, no metrics, no request to Cloudflare's API.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { promisify } from "node:util";
import { afterAll, expect, test } from "vitest";
import { QUIET_ENV } from "./harness/server-process.ts";

const outdir = mkdtempSync(join(tmpdir(), "ws-echo-deploy-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test("wrangler deploy --dry-run builds the Worker bundle, without the Node/Bun/Deno cluster code", async () => {
  const { stdout } = await promisify(execFile)(
    "node_modules/.bin/wrangler",
    ["deploy", "--dry-run", "--outdir", outdir],
    { env: { ...process.env, ...QUIET_ENV }, timeout: 120_000, encoding: "utf8" },
  );
  expect(stdout).toMatch(/--dry-run: exiting now/);
  expect(stdout).toMatch(/Read \d+ files from the assets directory/);
  const bundle = join(outdir, "worker.js");
  expect(existsSync(bundle), `${bundle} after wrangler deploy --dry-run`).toBe(true);
  const code = readFileSync(bundle, "utf8");
  expect(code).toContain("/healthz");
  expect(code).toContain("WebSocketPair");
  // WORKERS means nothing on Workers: the supervisors stay out of the bundle.
  expect(code).not.toMatch(/node:cluster|Bun\.spawn|Deno\.Command/);
}, 150_000);
