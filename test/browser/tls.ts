/**
 * The test page over https (TLS_CERT_FILE, TLS_KEY_FILE) in Chromium: it
 * proposes wss: by itself (public/js/codec.js defaultSocketUrl), connects and
 * echoes. Chromium trusts the test certificate alone, by its public key
 * (`--ignore-certificate-errors-spki-list`), not every certificate.
 */
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { describeOn } from "../harness/describe-on.ts";
import { type ServerProcess, startServer } from "../harness/server-process.ts";
import { missing, type RuntimeUnderTest } from "../runtimes.ts";
import { TEST_CA, TLS_ENV } from "../tls.ts";
import { type Chromium, chromiumMissing, launchChromium } from "./chromium.ts";

const WAIT_MS = 15_000;

/** base64 SHA-256 of the test certificate's SubjectPublicKeyInfo, as Chromium's flag wants it. */
function spkiHash(): string {
  const certificate = new X509Certificate(readFileSync(TLS_ENV.TLS_CERT_FILE, "utf8"));
  return createHash("sha256").update(certificate.publicKey.export({ type: "spki", format: "der" })).digest("base64");
}

export function describeBrowserTls(rt: RuntimeUnderTest): void {
  if (!rt.capabilities.tls) return;
  describeOn(`browser over https: ${rt.label} [+tls]`, missing(rt) ?? chromiumMissing(), () => {
    let server: ServerProcess;
    let browser: Chromium;
    let page: Page;
    const sockets: string[] = [];
    const pageErrors: string[] = [];
    const waitFor = (what: string, fn: (arg: string) => boolean, arg = "") =>
      page.waitForFunction(fn, arg, { timeout: WAIT_MS }).catch((error: Error) => {
        throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}: ${error.message}`);
      });

    beforeAll(async () => {
      [server, browser] = await Promise.all([
        startServer(rt.script, { env: TLS_ENV, ca: TEST_CA, readyTimeoutMs: rt.readyTimeoutMs }),
        launchChromium(undefined, [`--ignore-certificate-errors-spki-list=${spkiHash()}`]),
      ]);
      page = await browser.context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      page.on("websocket", (ws) => sockets.push(ws.url()));
      page.on("pageerror", (error) => pageErrors.push(error.message));
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    }, 30_000);

    test("the page over https proposes wss: by itself, connects, and echoes text and binary", async () => {
      const response = await page.goto(`${server.origin}/`, { waitUntil: "load", timeout: WAIT_MS });
      expect(response?.status()).toBe(200);
      expect(page.url()).toBe(`https://127.0.0.1:${server.port}/`);
      expect(await page.inputValue("#url")).toBe(`wss://127.0.0.1:${server.port}/ws`);

      await page.click("#connect");
      await waitFor("the status to say Open", () => document.getElementById("status")!.textContent === "Open");
      expect(sockets).toEqual([`wss://127.0.0.1:${server.port}/ws`]);

      await page.fill("#message", "over wss ✓");
      await page.click("#send");
      await page.click("label[for=format-hex]");
      await page.fill("#message", "00 ff");
      await page.click("#send");
      await waitFor("2 echoes counted", () => document.getElementById("stat-received")!.textContent === "2");
      const echoed = await page.$$eval(
        "#log-body tr.entry-received",
        (rows) =>
          rows.map((row) => [row.querySelector(".badge")?.textContent, row.querySelector(".data")?.textContent]),
      );
      expect(echoed).toEqual([["text · 12 B", "over wss ✓"], ["binary · 2 B", "00 ff"]]);
      expect(pageErrors).toEqual([]);
    });
  });
}
