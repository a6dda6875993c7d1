/**
 * Debian's Chromium, driven by playwright-core: nothing downloads a browser of
 * its own, and the browser is launched so that it talks to nobody but the
 * pages it is sent to.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type BrowserContext, chromium } from "playwright-core";

/** `CHROMIUM_PATH` overrides it (another build of Chromium, say). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  return `Chromium is not at ${CHROMIUM_PATH}: install Debian's with "apt-get install chromium" ` +
    `(or set CHROMIUM_PATH) to run the browser tests`;
}

/** A browser with one context: closing it ends the browser and deletes its profile. */
export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Headless, without the sandbox (tests run as root in containers) or the GPU,
 * in a fresh user-data-dir, and with every feature that phones home switched off.
 */
export async function launchChromium(
  viewport = { width: 1280, height: 900 },
  /** More switches (test/browser/tls.ts: the one certificate to trust). */
  extraArgs: readonly string[] = [],
): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), "ws-echo-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      timeout: 30_000,
      viewport,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-default-apps",
        "--disable-domain-reliability",
        "--no-pings",
        ...extraArgs,
      ],
    });
    return {
      context,
      close: async () => {
        try {
          await context.close();
        } finally {
          rmSync(profile, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
