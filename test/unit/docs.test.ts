/**
 * The documentation holds together: every relative link in the README, the
 * changelog and docs/ reaches a file (and the heading it names, as GitHub
 * spells anchors), the README's Quick start is what CI runs, its picture of
 * the test page is there and small, and the versions agree.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import GithubSlugger from "github-slugger";
import { marked, type Token, type Tokens } from "marked";
import { describe, expect, test } from "vitest";
import { node } from "../runtimes.ts";

const DOCS = readdirSync("docs").filter((f) => f.endsWith(".md")).map((f) => join("docs", f));
const FILES = ["README.md", "CHANGELOG.md", ...DOCS];

const tokensOf = (file: string) => marked.lexer(readFileSync(file, "utf8"));

/** A heading's text as GitHub renders it (markup, links and code marks gone), which its anchor is made from. */
function plain(tokens: readonly Token[]): string {
  return tokens.map((t) => {
    if (t.type === "html") return "";
    if ("tokens" in t && t.tokens) return plain(t.tokens);
    return "text" in t ? String(t.text) : "";
  }).join("");
}

/** The anchors GitHub gives a Markdown file's headings (a repeated heading gets -1, -2, …). */
function anchors(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const out = new Set<string>();
  marked.walkTokens(tokensOf(file), (t) => {
    if (t.type === "heading") out.add(slugger.slug(plain((t as Tokens.Heading).tokens)));
  });
  return out;
}

/** Every link and image target in a file, code blocks and code spans left out (the lexer knows them). */
function links(file: string): string[] {
  const out: string[] = [];
  marked.walkTokens(tokensOf(file), (t) => {
    if (t.type === "link" || t.type === "image") out.push((t as Tokens.Link | Tokens.Image).href);
  });
  return out;
}

/** Why a relative link does not resolve, or undefined when it does. */
function broken(from: string, href: string): string | undefined {
  const hash = href.indexOf("#");
  const path = decodeURIComponent(hash < 0 ? href : href.slice(0, hash));
  const fragment = hash < 0 ? undefined : decodeURIComponent(href.slice(hash + 1));
  const target = path === "" ? from : normalize(join(dirname(from), path));
  if (target.startsWith("..")) return `${target} is outside the repository`;
  if (!existsSync(target)) return `${target} does not exist`;
  if (fragment === undefined) return undefined;
  if (!target.endsWith(".md")) return `${target} is not Markdown, so #${fragment} names no heading`;
  return anchors(target).has(fragment) ? undefined : `${target} has no heading #${fragment}`;
}

describe("links", () => {
  for (const file of FILES) {
    test(`every relative link in ${file} resolves`, () => {
      const relative = links(file).filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href));
      const problems = relative.map((href) => [href, broken(file, href)]).filter(([, why]) => why !== undefined);
      expect(problems).toEqual([]);
    });
  }

  test("the check finds a broken link, and spells anchors as GitHub does (a control for the tests above)", () => {
    expect(broken("README.md", "docs/no-such-file.md")).toMatch(/does not exist/);
    expect(broken("README.md", "docs/benchmarks.md#no-such-heading")).toMatch(/has no heading/);
    expect(broken("README.md", "docs/page.png#top")).toMatch(/not Markdown/);
    expect(broken("docs/benchmarks.md", "../../outside.md")).toMatch(/outside the repository/);
    expect(broken("docs/benchmarks.md", "../README.md#quick-start")).toBeUndefined();
    // Punctuation, code and emphasis dropped, as on GitHub: "### 2026-12-02: Bun 1 MiB: the gap, split".
    expect(anchors("docs/benchmark-notes.md")).toContain("2026-12-02-bun-1-mib-the-gap-split");
    // Code marks dropped with the dot inside them: "### 2026-11-25: Bun: a Buffer's `.buffer` is never read on the hot path".
    expect(anchors("docs/benchmark-notes.md")).toContain(
      "2026-11-25-bun-a-buffers-buffer-is-never-read-on-the-hot-path",
    );
  });
});

describe("README", () => {
  const readme = readFileSync("README.md", "utf8");

  test("is for users: at most 250 lines", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(250);
  });

  test("Quick start: the test command is the one .ci/run runs, the start command what the suite starts", () => {
    const tokens = tokensOf("README.md");
    const at = tokens.findIndex((t) => t.type === "heading" && (t as Tokens.Heading).text === "Quick start");
    expect(at, "a Quick start heading").toBeGreaterThanOrEqual(0);
    const block = tokens.slice(at).find((t) => t.type === "code") as Tokens.Code;
    const commands = block.text.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
    expect(commands).toEqual(["npm ci && npm start", "npm ci && npm test"]);

    // .ci/run's commands, its comments left out and the status capture after `||` too.
    const ci = readFileSync(".ci/run", "utf8").split("\n")
      .map((l) => l.trim()).filter((l) => l && !l.startsWith("#"))
      .map((l) => l.replace(/\s*\|\|\s*status=\$\?$/, ""));
    expect(ci).toContain(commands[1]);

    // `npm start` builds (prestart) and serves what the test matrix starts on Node.
    const { scripts } = JSON.parse(readFileSync("package.json", "utf8"));
    expect(scripts.prestart).toBe("npm run build");
    expect(scripts.start).toBe(scripts[node.script]);
  });

  test("shows the test page: docs/page.png, a PNG at a desktop width, under 200 KiB", () => {
    expect(links("README.md")).toContain("docs/page.png");
    const png = readFileSync("docs/page.png");
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16), "width (IHDR)").toBeGreaterThanOrEqual(1000);
    expect(statSync("docs/page.png").size).toBeLessThan(200 * 1024);
  });
});

describe("versions", () => {
  test("package.json, deno.json and the newest CHANGELOG.md entry give the same version", () => {
    const npm = JSON.parse(readFileSync("package.json", "utf8")).version;
    // deno.json has line comments (JSONC); no value in it contains "//" after a space.
    const jsonc = readFileSync("deno.json", "utf8").split("\n").filter((l) => !l.trim().startsWith("//")).join("\n");
    const jsr = JSON.parse(jsonc).version;
    const releases = [...readFileSync("CHANGELOG.md", "utf8").matchAll(/^## \[(\d+\.\d+\.\d+)\] - (.+)$/gm)];
    expect(releases.length, "a `## [x.y.z] - date` section").toBeGreaterThan(0);
    for (const [, , date] of releases) expect(date).toMatch(/^(\d{4}-\d{2}-\d{2}|Unreleased)$/);
    expect({ npm, jsr }).toEqual({ npm: releases[0]![1], jsr: releases[0]![1] });
  });
});

describe("generated sections", () => {
  test("docs/conformance.md keeps the markers `npm run conformance` writes between", () => {
    const doc = readFileSync("docs/conformance.md", "utf8");
    const begin = doc.indexOf("<!-- conformance:begin");
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(doc.indexOf("<!-- conformance:end -->")).toBeGreaterThan(begin);
    expect(readFileSync("test/conformance/cli.ts", "utf8")).toContain('"docs/conformance.md"');
  });
});
