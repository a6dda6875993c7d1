/**
 * The test page's tools beyond the ASP.NET sample's client (issue 29), in
 * Chromium against each runtime: the latency chart, reconnecting across a
 * server restart, the log's filter, search, entry panel and download, the
 * shareable address, the dark scheme, axe-core in both schemes, and the whole
 * flow by keyboard alone. Called from describeBrowser (suite.ts).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { sleep } from "../harness/deadline.ts";
import { describeOn } from "../harness/describe-on.ts";
import { freePort, type ServerProcess, startServer } from "../harness/server-process.ts";
import { missing, type RuntimeUnderTest } from "../runtimes.ts";
import { type Chromium, chromiumMissing, launchChromium } from "./chromium.ts";

const WAIT_MS = 15_000;
/** Server start-up plus the backoff's waits in between (at most 0.5 + 1 + 2 + 4 + 8 s before the sixth attempt). */
const RECONNECT_WAIT_MS = 60_000;
/** Sends in the chart's burst. */
const BURST = 1_000;
const BURST_MESSAGE = '{"burst":true,"n":[1,2,3]}';
const NEEDLE = "needle-42";

/** Nearest-rank percentile, computed here on its own rather than imported from the page. */
function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

/** "716.5 ms" or "1.56 s" (public/js/codec.js formatMs) in ms. */
function parseMs(text: string): number {
  const match = /^([\d.]+) (ms|s)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * (match[2] === "s" ? 1000 : 1);
}

/** "12:30:05.123" (the log's Time column) in ms since midnight. */
function clockMs(time: string): number {
  const [h, m, s] = time.split(":").map(Number) as [number, number, number];
  return ((h * 60 + m) * 60 + s) * 1000;
}

interface LoggedEntry {
  seq: number;
  time: string;
  kind: string;
  format: string | null;
  data: string;
  rttMs: number | null;
}

interface LogFile {
  url: string;
  droppedOlder: number;
  entries: LoggedEntry[];
}

export function describePageTools(rt: RuntimeUnderTest): void {
  // Without a graceful shutdown (workerd under Miniflare: the process goes, the
  // platform would drain) the TCP connection ends without a close frame: 1006.
  const restartCloseCode = rt.capabilities.gracefulShutdown ? 1001 : 1006;

  describeOn(
    `page tools: ${rt.label} (a server stop closes with ${restartCloseCode})`,
    missing(rt) ?? chromiumMissing(),
    () => {
      let server: ServerProcess;
      let browser: Chromium;
      let page: Page;
      const requested: string[] = [];
      const pageErrors: string[] = [];
      const slug = rt.label.replace(/[^a-z0-9]+/gi, "-").replace(/-$/, "");
      const socketUrl = () => `ws://127.0.0.1:${server.port}/ws`;

      /** Waits for `fn` to hold in `on`, then for the next animation frame (the log and chart draw in one). */
      const waitFor = async (on: Page, what: string, fn: (arg: string) => boolean, arg = "", ms = WAIT_MS) => {
        try {
          await on.waitForFunction(fn, arg, { timeout: ms });
          await on.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => resolve())));
        } catch (error) {
          throw new Error(`timed out after ${ms} ms waiting for ${what}: ${(error as Error).message}`);
        }
      };
      const statusIs = (on: Page, status: string, ms = WAIT_MS) =>
        waitFor(
          on,
          `the status to say ${status}`,
          (s) => document.getElementById("status")!.textContent === s,
          status,
          ms,
        );
      const logHas = (on: Page, what: string, pattern: RegExp, ms = WAIT_MS) =>
        waitFor(
          on,
          `a log entry matching ${pattern}`,
          (json) => {
            const [source, flags] = JSON.parse(json) as [string, string];
            const re = new RegExp(source, flags);
            return [...document.querySelectorAll("#log-body tr.entry .data")].some((d) => re.test(d.textContent ?? ""));
          },
          JSON.stringify([pattern.source, pattern.flags]),
          ms,
        ).then(() => what);
      const shownRows = (on: Page) =>
        on.$$eval("#log-body tr.entry", (trs) =>
          trs.map((tr) => ({
            seq: Number((tr as HTMLElement).dataset.seq),
            kind: tr.className.replace("entry entry-", ""),
            badge: tr.querySelector(".badge")?.textContent ?? "",
            data: tr.querySelector(".data")!.textContent!,
          })));
      const download = async (on: Page): Promise<{ name: string; log: LogFile }> => {
        const [file] = await Promise.all([on.waitForEvent("download", { timeout: WAIT_MS }), on.click("#download")]);
        expect(await file.failure()).toBeNull();
        return { name: file.suggestedFilename(), log: JSON.parse(readFileSync(await file.path(), "utf8")) };
      };
      const newPage = async (path: string) => {
        const p = await browser.context.newPage();
        p.setDefaultTimeout(WAIT_MS);
        p.on("pageerror", (error) => pageErrors.push(error.message));
        p.on("websocket", (ws) => requested.push(ws.url()));
        await p.goto(`${server.origin}${path}`, { waitUntil: "load", timeout: WAIT_MS });
        return p;
      };

      beforeAll(async () => {
        [server, browser] = await Promise.all([
          startServer(rt.script, { readyTimeoutMs: rt.readyTimeoutMs, env: { SUBPROTOCOLS: "chat" } }),
          launchChromium(),
        ]);
        browser.context.on("request", (request) => requested.push(request.url()));
        await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.origin });
      }, 120_000);

      afterAll(async () => {
        await browser?.close();
        await server?.stop();
      }, 30_000);

      test("?url=…&protocols=…&connect=1 fills the form and connects; the address bar then follows the form", async () => {
        page = await newPage(`/?url=${encodeURIComponent(socketUrl())}&protocols=chat&connect=1`);
        await statusIs(page, "Open");
        expect(await page.inputValue("#url")).toBe(socketUrl());
        expect(await page.inputValue("#protocols")).toBe("chat");
        expect(await page.locator("#negotiated-protocol").innerText()).toBe("chat");

        const other = await newPage("/");
        expect(other.url()).toBe(`${server.origin}/`);
        await other.fill("#url", "ws://127.0.0.1:9/elsewhere");
        await other.fill("#protocols", "chat, superchat");
        await other.check("#reconnect");
        const query = new URL(other.url()).searchParams;
        expect([...query]).toEqual([["url", "ws://127.0.0.1:9/elsewhere"], ["protocols", "chat, superchat"], [
          "reconnect",
          "1",
        ]]);
        // The address bar's setup, opened again, is the same form.
        await other.reload({ waitUntil: "load" });
        expect(await other.inputValue("#url")).toBe("ws://127.0.0.1:9/elsewhere");
        expect(await other.inputValue("#protocols")).toBe("chat, superchat");
        expect(await other.isChecked("#reconnect")).toBe(true);
        expect(await other.locator("#status").innerText()).toBe("Ready to connect");
        await other.close();
      });

      test("a url in the query string that is not ws: or wss: is refused with a message, and nothing connects", async () => {
        const before = requested.filter((url) => url.startsWith("ws")).length;
        const refused = await newPage(`/?url=${encodeURIComponent(`${server.origin}/ws`)}&connect=1`);
        await logHas(refused, "the refusal in the log", /^Refused the url in the address/);
        expect(await refused.locator("#url-error").innerText()).toBe(
          `Refused the url in the address: "${server.origin}/ws" is a http: URL; only ws: and wss: URLs are taken.`,
        );
        expect(await refused.inputValue("#url")).toBe(socketUrl()); // the default stays
        expect(await refused.locator("#status").innerText()).toBe("Ready to connect");
        await sleep(500);
        expect(requested.filter((url) => url.startsWith("ws")).length).toBe(before);
        await refused.close();
      });

      test(`the chart has data after a burst of ${BURST.toLocaleString("en")} echoes, and its percentiles match the log's RTTs`, async () => {
        const plotted = () =>
          page.$eval("#latency-chart", (canvas: HTMLCanvasElement) => {
            // Columns of the plot holding a pixel of the echoes' colour (canvas.chart's CSS color).
            const [r, g, b] = getComputedStyle(canvas).color.match(/\d+/g)!.map(Number);
            const { data, width, height } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
            let columns = 0;
            for (let x = 0; x < width; x++) {
              for (let y = 0; y < height; y++) {
                const i = (y * width + x) * 4;
                if (data[i] === r && data[i + 1] === g && data[i + 2] === b && data[i + 3] === 255) {
                  columns++;
                  break;
                }
              }
            }
            return { columns, width: canvas.width };
          });
        expect((await plotted()).columns, "columns drawn before any echo").toBe(0);
        expect(await page.locator("#latency-p50").innerText()).toBe("—");

        await page.fill("#message", BURST_MESSAGE);
        await page.fill("#repeat", String(BURST));
        await page.click("#send");
        await waitFor(
          page,
          "the burst's rate",
          () => /msg\/s/.test(document.getElementById("latency-rate")!.textContent!),
        );
        expect(await page.locator("#latency-count").innerText()).toBe(BURST.toLocaleString("en"));
        const drawn = await plotted();
        // More echoes than pixel columns: every column of the plot (all but the axis margins) has its bar.
        expect(drawn.columns, `columns drawn of ${drawn.width}`).toBeGreaterThan(drawn.width / 2);

        const { name, log } = await download(page);
        expect(name).toMatch(/^ws-echo-log-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.json$/);
        const echoes = log.entries.filter((e) => e.kind === "received");
        expect(echoes.length).toBe(BURST);
        const rtts = echoes.map((e) => e.rttMs!);
        for (const p of [50, 90, 99]) {
          const shown = Number(await page.getAttribute(`#latency-p${p}`, "data-ms"));
          expect(shown, `p${p}`).toBe(nearestRank(rtts, p));
        }

        // The burst's rate: its duration spans the log's first send to its last echo.
        const rate = await page.locator("#latency-rate").innerText();
        const match = /^([\d,]+) msg\/s \(1,000 in (.+)\)$/.exec(rate);
        expect(match, rate).not.toBeNull();
        const durationMs = parseMs(match![2]!);
        const sends = log.entries.filter((e) => e.kind === "sent");
        const span = clockMs(echoes.at(-1)!.time) - clockMs(sends[0]!.time);
        // Margins: the shown duration is rounded (to 5 ms at most), the log's times are whole ms.
        expect(durationMs).toBeGreaterThanOrEqual(span - 10);
        expect(durationMs).toBeLessThanOrEqual(span + 60);
        const perSecond = Number(match![1]!.replace(/,/g, ""));
        expect(Math.abs(perSecond - (BURST * 1000) / durationMs)).toBeLessThanOrEqual(0.01 * perSecond + 1);

        // The text alternative says the same, within its 2 s update interval.
        const figures = await Promise.all([50, 90, 99].map((p) => page.locator(`#latency-p${p}`).innerText()));
        const summary = `Latency over 1,000 echoes: p50 ${figures[0]}, p90 ${figures[1]}, p99 ${figures[2]}. ` +
          `Last burst: ${rate}.`;
        await waitFor(
          page,
          "the screen-reader summary",
          (s) => document.getElementById("latency-summary")!.textContent === s,
          summary,
        );
        expect(await page.getAttribute("#latency-summary", "aria-live")).toBe("polite");
        await page.fill("#repeat", "1");
      });

      test("the log: filter by direction and type, search, one entry whole (pretty JSON) and copied, Download JSON", async () => {
        await page.click("label[for=format-hex]");
        await page.fill("#message", "de ad");
        await page.click("#send");
        await page.click("label[for=format-text]");
        await page.fill("#message", NEEDLE);
        await page.click("#send");
        await waitFor(
          page,
          `${BURST + 2} echoes`,
          (n) => document.getElementById("stat-received")!.textContent === n,
          (BURST + 2).toLocaleString("en"),
        );
        const all = 2 * (BURST + 2) + 2; // sent and echoed, plus Connecting and Connection opened
        expect(await page.locator("#log-count").innerText()).toBe(`${all.toLocaleString("en")} entries`);

        await page.selectOption("#log-direction", "received");
        await page.selectOption("#log-type", "binary");
        await waitFor(page, "one row shown", () => document.querySelectorAll("#log-body tr.entry").length === 1);
        expect(await shownRows(page)).toMatchObject([{ kind: "received", badge: "binary · 2 B", data: "de ad" }]);
        expect(await page.locator("#log-count").innerText()).toBe(`1 of ${all.toLocaleString("en")} entries`);

        await page.selectOption("#log-direction", "all");
        await page.selectOption("#log-type", "text");
        await page.fill("#log-search", NEEDLE.toUpperCase()); // any case
        await waitFor(page, "two rows shown", () => document.querySelectorAll("#log-body tr.entry").length === 2);
        const needles = await shownRows(page);
        expect(needles.map(({ kind, data }) => ({ kind, data }))).toEqual([
          { kind: "sent", data: NEEDLE },
          { kind: "received", data: NEEDLE },
        ]);

        // One entry: its # button, then Copy data.
        await page.click(`#log-body button[data-seq="${needles[1]!.seq}"]`);
        expect(await page.locator("#entry-heading").innerText()).toMatch(
          new RegExp(`^Entry #${needles[1]!.seq} · [\\d:.]+ · Server → Client · text · 9 B · RTT `),
        );
        await page.click("#copy-data");
        await waitFor(
          page,
          "the copy to be confirmed",
          () => /^Copied/.test(document.getElementById("entry-note")!.textContent!),
        );
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(NEEDLE);

        // JSON text, pretty-printed or not.
        await page.fill("#log-search", '"burst"');
        await page.selectOption("#log-direction", "received");
        await waitFor(
          page,
          "burst echoes shown",
          () =>
            /^[\d,]+ of /.test(document.getElementById("log-count")!.textContent!) &&
            document.querySelectorAll("#log-body tr.entry").length > 5,
        );
        expect(await page.locator("#log-count").innerText()).toBe(
          `${BURST.toLocaleString("en")} of ${all.toLocaleString("en")} entries`,
        );
        await page.locator("#log-body tr.entry .data").last().click();
        expect(await page.locator("#entry-data").innerText()).toBe(JSON.stringify(JSON.parse(BURST_MESSAGE), null, 2));
        await page.uncheck("#pretty-json");
        expect(await page.locator("#entry-data").innerText()).toBe(BURST_MESSAGE);
        await page.check("#pretty-json");

        // Download JSON takes the whole log, not what the filter shows.
        const { log } = await download(page);
        expect(log.url).toBe(socketUrl());
        expect(log.droppedOlder).toBe(0);
        expect(log.entries.length).toBe(all);
        expect(log.entries.map((e) => e.seq)).toEqual(Array.from({ length: all }, (_, i) => i + 1));
        expect(log.entries.filter((e) => e.format === "binary").map((e) => [e.kind, e.data])).toEqual([
          ["sent", "de ad"],
          ["received", "de ad"],
        ]);

        await page.selectOption("#log-direction", "all");
        await page.selectOption("#log-type", "all");
        await page.fill("#log-search", "");
        await waitFor(
          page,
          "the filter to be gone",
          (a) => document.getElementById("log-count")!.textContent === a,
          `${all.toLocaleString("en")} entries`,
        );
      });

      test("dark under prefers-color-scheme: dark; the Theme switch overrides it and is remembered", async () => {
        const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const LIGHT = "rgb(244, 246, 250)";
        const DARK = "rgb(15, 19, 26)";
        await page.emulateMedia({ colorScheme: "light" });
        expect(await background()).toBe(LIGHT);
        await page.emulateMedia({ colorScheme: "dark" });
        expect(await background()).toBe(DARK);
        expect(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme)).toBe("light dark");

        await page.selectOption("#theme", "light");
        expect(await background()).toBe(LIGHT);
        const again = await newPage("/");
        await again.emulateMedia({ colorScheme: "dark" });
        expect(await again.inputValue("#theme")).toBe("light");
        expect(await again.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(LIGHT);
        await again.close();
        await page.selectOption("#theme", "system");
        expect(await background()).toBe(DARK);
        expect(await page.evaluate(() => localStorage.getItem("ws-echo-theme"))).toBeNull();
      });

      test("axe-core finds nothing serious or critical, light and dark, with the log full and an entry shown", async () => {
        // Evaluated through the DevTools protocol, which the page's CSP does not
        // govern: axe runs in the page as served, CSP and all (no bypassCSP).
        const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
        await page.evaluate(axeSource);
        expect(await page.locator("#log-body tr.entry").count()).toBeGreaterThan(5);
        for (const colorScheme of ["light", "dark"] as const) {
          await page.emulateMedia({ colorScheme });
          const result = await page.evaluate(async () => {
            const axe = (globalThis as unknown as {
              axe: {
                run(context: Document, options: object): Promise<{
                  passes: unknown[];
                  violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
                }>;
              };
            }).axe;
            const { passes, violations } = await axe.run(document, { resultTypes: ["violations"] });
            return {
              passes: passes.length,
              violations: violations.map(({ id, impact, help, nodes }) => ({
                id,
                impact,
                help,
                targets: nodes.slice(0, 5).map((n) => n.target.join(" ")),
              })),
            };
          });
          expect(result.passes, `axe rules passed (${colorScheme})`).toBeGreaterThan(10);
          const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
          expect(serious, `${colorScheme}: ${JSON.stringify(result.violations, null, 2)}`).toEqual([]);
        }
      });

      test("screenshots: dark at desktop and phone width, nothing wider than a phone", async () => {
        mkdirSync("test-results", { recursive: true });
        await page.emulateMedia({ colorScheme: "dark" });
        await page.screenshot({ path: `test-results/browser-${slug}-dark.png`, fullPage: true });
        await page.setViewportSize({ width: 390, height: 844 });
        await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => resolve())));
        const overflow = await page.evaluate(() =>
          document.documentElement.scrollWidth - document.documentElement.clientWidth
        );
        expect(overflow).toBeLessThanOrEqual(0);
        await page.screenshot({ path: `test-results/browser-${slug}-dark-phone.png`, fullPage: true });
        await page.emulateMedia({ colorScheme: "light" });
        await page.screenshot({ path: `test-results/browser-${slug}-tools-phone.png`, fullPage: true });
        await page.setViewportSize({ width: 1280, height: 900 });
      });

      test("connect, send and close by keyboard alone", async () => {
        const keys = await newPage("/");
        /** Presses Tab until `selector` has the focus; fails naming what was reached. */
        const tabTo = async (selector: string) => {
          const visited: string[] = [];
          for (let i = 0; i < 40; i++) {
            await keys.keyboard.press("Tab");
            const at = await keys.evaluate((s) => {
              const el = document.activeElement;
              return { match: el?.matches(s) ?? false, name: el ? `${el.tagName.toLowerCase()}#${el.id}` : "none" };
            }, selector);
            if (at.match) return;
            visited.push(at.name);
          }
          throw new Error(`40 Tabs did not reach ${selector}; they reached ${visited.join(", ")}`);
        };
        await tabTo("#protocols");
        await keys.keyboard.type("chat");
        await tabTo("#connect");
        await keys.keyboard.press("Enter");
        await statusIs(keys, "Open");
        // The page moves the focus to the message once open.
        expect(await keys.evaluate(() => document.activeElement?.id)).toBe("message");
        await keys.keyboard.type("typed");
        await keys.keyboard.press("Enter");
        await waitFor(keys, "the echo", () => document.getElementById("stat-received")!.textContent === "1");
        await tabTo("#close-code");
        await keys.keyboard.press("ControlOrMeta+A");
        await keys.keyboard.type("4001");
        await tabTo("#close");
        await keys.keyboard.press("Space");
        await statusIs(keys, "Closed");
        expect((await shownRows(keys)).at(-1)).toMatchObject({
          kind: "event",
          data: "Connection closed. Code: 4001. Reason: ",
        });
        expect((await shownRows(keys)).filter((r) => r.kind === "received").map((r) => r.data)).toEqual(["typed"]);

        // The log is one Tab stop; the arrow keys, Home and End walk its entries and show each below it.
        expect(await keys.locator('#log-body button.seq[tabindex="0"]').count()).toBe(1);
        await tabTo("#log-body button.seq");
        const heading = () => keys.locator("#entry-heading").innerText();
        await keys.keyboard.press("Home");
        await waitFor(
          keys,
          "entry 1 to be shown",
          () => /^Entry #1 · /.test(document.getElementById("entry-heading")!.textContent!),
        );
        expect(await keys.evaluate(() => document.activeElement?.textContent)).toBe("1");
        await keys.keyboard.press("ArrowDown");
        await waitFor(
          keys,
          "entry 2 to be shown",
          () => /^Entry #2 · /.test(document.getElementById("entry-heading")!.textContent!),
        );
        await keys.keyboard.press("End");
        const lastSeq = (await shownRows(keys)).at(-1)!.seq;
        await waitFor(
          keys,
          `entry ${lastSeq} to be shown`,
          (h) => document.getElementById("entry-heading")!.textContent!.startsWith(h),
          `Entry #${lastSeq} · `,
        );
        expect(await heading()).toBe(
          `Entry #${lastSeq} · ${await keys.locator(`#log-body tr[data-seq="${lastSeq}"] .col-time`)
            .innerText()} · event`,
        );
        expect(await keys.locator("#entry-data").textContent()).toBe("Connection closed. Code: 4001. Reason: ");
        expect(await keys.evaluate(() => document.activeElement?.textContent)).toBe(String(lastSeq));
        await keys.close();
      });

      test(
        `reconnect: the server stopped (close ${restartCloseCode}) and started on the same port, the page connects again; Stop reconnecting stops it`,
        async () => {
          const port = await freePort();
          const start = () =>
            startServer(rt.script, { readyTimeoutMs: rt.readyTimeoutMs, env: { PORT: String(port) } });
          let second: ServerProcess | undefined = await start();
          const sockets: string[] = [];
          const tab = await newPage(`/?url=${encodeURIComponent(`ws://127.0.0.1:${port}/ws`)}&reconnect=1&connect=1`);
          tab.on("websocket", (ws) => sockets.push(ws.url()));
          try {
            await statusIs(tab, "Open");
            expect(await tab.isChecked("#reconnect")).toBe(true);
            expect(await tab.isHidden("#stop-reconnect")).toBe(true);

            await second.stop();
            second = undefined;
            await logHas(
              tab,
              "the reconnect entry",
              new RegExp(`^Reconnecting in [\\d.]+ m?s \\(attempt 1 of 10\\) after close code ${restartCloseCode}\\b`),
            );
            expect(await tab.isVisible("#stop-reconnect")).toBe(true);

            second = await start();
            await statusIs(tab, "Open", RECONNECT_WAIT_MS);
            // The whole story, from the log as downloaded (the rows in view may be only its end).
            const story = (await download(tab)).log.entries.map((e) => e.data);
            const closed = story.findIndex((d) => d.startsWith(`Connection closed. Code: ${restartCloseCode}.`));
            expect(closed, story.join("\n")).toBeGreaterThan(0);
            expect(story[closed + 1]).toMatch(/^Reconnecting in .* \(attempt 1 of 10\) after close code /);
            expect(story.filter((d) => d.startsWith("Connection opened")).length).toBe(2);
            expect(story.at(-2)).toMatch(/^Connecting to .* \(reconnect attempt \d+ of 10\)$/);
            expect(story.at(-1)).toBe("Connection opened");
            // Connected again: it echoes.
            await tab.fill("#message", "after restart");
            await tab.press("#message", "Enter");
            await waitFor(
              tab,
              "the echo after the restart",
              () => document.getElementById("stat-received")!.textContent === "1",
            );

            // Stopped again, then Stop reconnecting: no attempt follows.
            await second.stop();
            second = undefined;
            await statusIs(tab, "Waiting to reconnect");
            await tab.click("#stop-reconnect");
            await statusIs(tab, "Closed");
            await logHas(tab, "the stop in the log", /^Reconnecting stopped$/);
            const attempts = sockets.length;
            // Longer than the first two waits together (0.5 s + 1 s bounds).
            await sleep(2_500);
            expect(sockets.length, "sockets opened after Stop reconnecting").toBe(attempts);
            expect(await tab.isHidden("#stop-reconnect")).toBe(true);
            expect(await tab.isEnabled("#connect")).toBe(true);
          } finally {
            await tab.close();
            await second?.stop();
          }
        },
        RECONNECT_WAIT_MS + 60_000,
      );

      test("the page asked nothing of any host but 127.0.0.1 (downloads are blob: URLs), and threw nothing", () => {
        const elsewhere = requested.filter((url) => !url.startsWith("blob:") && new URL(url).hostname !== "127.0.0.1");
        expect(elsewhere).toEqual([]);
        expect(pageErrors).toEqual([]);
      });
    },
  );
}
