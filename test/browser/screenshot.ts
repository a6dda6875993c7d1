/**
 * `npm run docs:screenshot`: the README's picture of the test page, made the
 * way the browser tests drive it (test/browser/suite.ts): Node's server on a
 * free port, Debian's Chromium at a desktop width, connect with a
 * sub-protocol, a text and a binary message echoed, then docs/page.png.
 * test/unit/docs.test.ts keeps the file under MAX_BYTES.
 */
import { writeFileSync } from "node:fs";
import process from "node:process";
import type { Page } from "playwright-core";
import { startServer } from "../harness/server-process.ts";
import { chromiumMissing, launchChromium } from "./chromium.ts";

const OUT = "docs/page.png";
/** What the README's image may weigh (the limit: 200 KiB). */
const MAX_BYTES = 200 * 1024;
const VIEWPORT = { width: 1200, height: 820 };
const WAIT_MS = 15_000;

/** Waits for `fn` to hold in the page; a timeout names what it waited for. */
async function waitFor(page: Page, what: string, fn: () => boolean): Promise<void> {
  try {
    await page.waitForFunction(fn, undefined, { timeout: WAIT_MS });
  } catch (error) {
    throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}: ${(error as Error).message}`);
  }
}

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const server = await startServer("start:node", { env: { SUBPROTOCOLS: "chat", LOG_LEVEL: "warn" } });
  try {
    const browser = await launchChromium(VIEWPORT);
    try {
      const page = await browser.context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      await page.goto(`${server.origin}/`, { waitUntil: "load", timeout: WAIT_MS });
      await page.fill("#protocols", "chat");
      await page.click("#connect");
      await waitFor(page, "the status to say Open", () => document.getElementById("status")!.textContent === "Open");

      await page.fill("#message", "Hello, echo!");
      await page.click("#send");
      await waitFor(page, "1 echo", () => document.getElementById("stat-received")!.textContent === "1");
      await page.click("label[for=format-hex]");
      await page.fill("#message", "de ad be ef");
      await page.click("#send");
      await waitFor(page, "2 echoes", () => document.getElementById("stat-received")!.textContent === "2");
      await page.click("label[for=format-text]");
      await page.fill("#message", "Every message comes back with its type.");
      await page.click("#send");
      await waitFor(page, "3 echoes", () => document.getElementById("stat-received")!.textContent === "3");
      // The log renders in an animation frame (public/js/log-view.js): let it.
      await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => resolve())));
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

      const png = await page.screenshot({ type: "png", fullPage: true });
      if (png.length > MAX_BYTES) {
        throw new Error(`${OUT} would be ${png.length} bytes, over ${MAX_BYTES}: make the viewport smaller`);
      }
      writeFileSync(OUT, png);
      console.log(`wrote ${OUT}: ${VIEWPORT.width} px wide, ${(png.length / 1024).toFixed(0)} KiB`);
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
