/**
 * The test page in a real browser, against each runtime: one page load, then
 * every control a person would use, in order. Each runtime's browser test file
 * is one call to `describeBrowser`.
 */
import { mkdirSync } from "node:fs";
import type { Page, Response } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type ServerProcess, startServer } from "../harness/server-process.ts";
import { describeOn } from "../harness/describe-on.ts";
import { missing, type RuntimeUnderTest } from "../runtimes.ts";
import { type Chromium, chromiumMissing, launchChromium } from "./chromium.ts";
import { describePageTools } from "./page-tools.ts";

const XSS = "<img src=x onerror=alert(1)>";
/** Sends in the burst test; each is logged twice (sent, echoed). */
const BURST = 5_000;
const RTT = /^\d+(\.\d+)? m?s$/;
const WAIT_MS = 15_000;

interface Row {
  kind: string;
  from: string;
  to: string;
  badge: string;
  data: string;
  rtt: string;
}

export function describeBrowser(rt: RuntimeUnderTest): void {
  describePageTools(rt); // the page's tools beyond the sample's client (issue 29): page-tools.ts
  describeOn(`browser: ${rt.label}`, missing(rt) ?? chromiumMissing(), () => {
    let server: ServerProcess;
    let browser: Chromium;
    let page: Page;
    let response: Response | null;
    const requested: string[] = [];
    const dialogs: string[] = [];
    const pageErrors: string[] = [];
    const slug = rt.label.replace(/[^a-z0-9]+/gi, "-").replace(/-$/, "");

    /**
     * Waits for `fn` to hold in the page, then for the next animation frame: the
     * log renders in a frame (public/js/log-view.js), after the status and the
     * counts change, so reading rows any sooner races it. A timeout names what
     * it waited for.
     */
    const waitFor = async (what: string, fn: (arg: string) => boolean, arg = "") => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await page.waitForFunction(fn, arg, { timeout: WAIT_MS });
        const frame = page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => resolve())));
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("no animation frame came")), WAIT_MS);
        });
        await Promise.race([frame, deadline]);
      } catch (error) {
        throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    };
    const text = (selector: string) => page.locator(selector).innerText();
    const rows = () =>
      page.$$eval("#log-body tr.entry", (trs) =>
        trs.map((tr) => ({
          kind: tr.className.replace("entry entry-", ""),
          from: tr.querySelector(".col-from")!.textContent!,
          to: tr.querySelector(".col-to")!.textContent!,
          badge: tr.querySelector(".badge")?.textContent ?? "",
          data: tr.querySelector(".data")!.textContent!,
          rtt: tr.querySelector(".col-rtt")!.textContent!,
        }))) as Promise<Row[]>;
    const echoes = async () => (await rows()).filter((r) => r.kind === "received");
    const echoed = (n: number) =>
      waitFor(
        `${n} echoes counted`,
        (n) => document.getElementById("stat-received")!.textContent === n,
        n.toLocaleString("en"),
      );

    beforeAll(async () => {
      [server, browser] = await Promise.all([
        startServer(rt.script, { readyTimeoutMs: rt.readyTimeoutMs, env: { SUBPROTOCOLS: "chat" } }),
        launchChromium(),
      ]);
      browser.context.on("request", (request) => requested.push(request.url()));
      page = await browser.context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      page.on("websocket", (ws) => requested.push(ws.url()));
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      page.on("pageerror", (error) => pageErrors.push(error.message));
      response = await page.goto(`${server.origin}/`, { waitUntil: "load", timeout: WAIT_MS });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    }, 30_000);

    test("the page arrives under a CSP that forbids inline script, ready to connect", async () => {
      expect(response?.status()).toBe(200);
      const csp = (await response!.allHeaders())["content-security-policy"] ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      // The browser enforces it: an inline script added to the page does not run.
      const inlineRan = await page.evaluate(async () => {
        const violation = new Promise<string>((resolve) =>
          document.addEventListener("securitypolicyviolation", (e) => resolve(e.effectiveDirective), { once: true })
        );
        const script = document.createElement("script");
        script.textContent = "window.inlineScriptRan = true";
        document.body.append(script);
        const directive = await Promise.race([violation, new Promise((r) => setTimeout(() => r("none"), 2_000))]);
        return { ran: (globalThis as { inlineScriptRan?: boolean }).inlineScriptRan === true, directive };
      });
      expect(inlineRan).toEqual({ ran: false, directive: "script-src-elem" });
      // Workers' header rules are not a file anyone can fetch.
      const headersFile = await fetch(`${server.origin}/_headers`);
      await headersFile.body?.cancel();
      expect(headersFile.status).toBe(404);

      expect(await text("#status")).toBe("Ready to connect");
      expect(await page.inputValue("#url")).toBe(`ws://127.0.0.1:${server.port}/ws`);
      expect(await page.isEnabled("#connect")).toBe(true);
      for (const control of ["#send", "#close", "#message", "#file"]) {
        expect(await page.isDisabled(control), `${control} before connecting`).toBe(true);
      }
    });

    test("Enter in the URL box connects, offering the sub-protocol typed; the server's choice is shown", async () => {
      await page.fill("#protocols", "chat");
      await page.focus("#url");
      await page.keyboard.press("Enter");
      await waitFor("the status to say Open", () => document.getElementById("status")!.textContent === "Open");
      expect(await text("#negotiated-protocol")).toBe("chat");
      expect(await page.isDisabled("#connect")).toBe(true);
      expect(await page.isEnabled("#send")).toBe(true);
      expect(await page.isEnabled("#close")).toBe(true);
      expect((await rows()).map((r) => r.data)).toContain("Connection opened (protocol: chat)");
    });

    test(`${BURST.toLocaleString("en")} sends: every echo in order, the log renders only what is in view, Clear empties it`, async () => {
      await page.fill("#message", "burst");
      await page.fill("#repeat", String(BURST));
      await page.click("#send");
      await echoed(BURST);
      const rendered = await rows();
      // 2 per message, plus "Connecting" and "Connection opened".
      expect(await text("#log-count")).toBe(`${(2 * BURST + 2).toLocaleString("en")} entries`);
      expect(rendered.length).toBeGreaterThan(5);
      expect(rendered.length).toBeLessThan(100);
      expect(rendered.at(-1)).toMatchObject({ kind: "received", data: "burst" }); // follows the newest
      expect(await page.getAttribute("#log", "aria-rowcount")).toBe(String(2 * BURST + 3));
      await page.click("#clear");
      await waitFor("the log to be empty", () => document.querySelectorAll("#log-body tr.entry").length === 0);
      expect(await text("#log-count")).toBe("0 entries");
      await page.fill("#repeat", "1");
    });

    test("text (Enter), hex and a file come back as text and binary, each with its RTT", async () => {
      await page.fill("#message", "hello, ünïcode ✓");
      await page.focus("#message");
      await page.keyboard.press("Enter");
      await page.click("label[for=format-hex]");
      await page.fill("#message", "de ad be ef");
      await page.click("#send");
      await page.setInputFiles("#file", {
        name: "three.bin",
        mimeType: "application/octet-stream",
        buffer: Buffer.from([0, 1, 255]),
      });
      await echoed(BURST + 3);
      const got = await echoes();
      expect(got.map(({ badge, data }) => ({ badge, data }))).toEqual([
        { badge: "text · 20 B", data: "hello, ünïcode ✓" },
        { badge: "binary · 4 B", data: "de ad be ef" },
        { badge: "binary · 3 B", data: "00 01 ff" },
      ]);
      for (const row of got) {
        expect(row).toMatchObject({ from: "Server", to: "Client" });
        expect(row.rtt, `RTT of ${row.data}`).toMatch(RTT);
      }
      const sent = (await rows()).filter((r) => r.kind === "sent").map((r) => r.data);
      expect(sent).toEqual(["hello, ünïcode ✓", "de ad be ef", "three.bin: 00 01 ff"]);
      expect(await text("#stat-sent")).toBe((BURST + 3).toLocaleString("en"));
      expect(await text("#stat-last-rtt")).toMatch(RTT);
      expect(await text("#stat-avg-rtt")).toMatch(RTT);
      await page.click("label[for=format-text]");
    });

    test("bad hex is refused with a message, and nothing is sent", async () => {
      await page.click("label[for=format-hex]");
      await page.fill("#message", "zz");
      await page.click("#send");
      expect(await text("#message-error")).toBe('Not hex: "z" is not a hex digit.');
      expect(await text("#stat-sent")).toBe((BURST + 3).toLocaleString("en"));
      await page.click("label[for=format-text]");
    });

    test(`markup in a message is shown as text and runs nothing: ${XSS}`, async () => {
      await page.fill("#message", XSS);
      await page.focus("#message");
      await page.keyboard.press("Enter");
      await echoed(BURST + 4);
      expect((await echoes()).at(-1)?.data).toBe(XSS);
      expect(await page.locator("img").count()).toBe(0);
      expect(dialogs).toEqual([]);
    });

    test('Close Socket with 4000 "bye": the log shows the code and reason the server sent back', async () => {
      await page.fill("#close-code", "4000");
      await page.fill("#close-reason", "bye");
      await page.click("#close");
      await waitFor("the status to say Closed", () => document.getElementById("status")!.textContent === "Closed");
      const last = (await rows()).at(-1);
      expect(last).toMatchObject({ kind: "event", data: "Connection closed. Code: 4000. Reason: bye" });
      expect(await page.isEnabled("#connect")).toBe(true);
      expect(await page.isDisabled("#send")).toBe(true);

      mkdirSync("test-results", { recursive: true });
      await page.screenshot({ path: `test-results/browser-${slug}.png`, fullPage: true });
      // Phone width: nothing wider than the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      const overflow = await page.evaluate(() =>
        document.documentElement.scrollWidth - document.documentElement.clientWidth
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: `test-results/browser-${slug}-phone.png`, fullPage: true });
    });

    test("the page asked nothing of any host but 127.0.0.1, and threw nothing", () => {
      expect(requested.length).toBeGreaterThan(3);
      expect(requested.filter((url) => new URL(url).hostname !== "127.0.0.1")).toEqual([]);
      expect(pageErrors).toEqual([]);
      expect(dialogs).toEqual([]);
    });
  });
}
