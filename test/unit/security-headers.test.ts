import { readFileSync } from "node:fs";
import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import { securityHeaders } from "../../src/security-headers.ts";
import { UpgradeAnswered } from "../../src/upgrade.ts";

/** The headers `public/_headers` gives every path (`/*`), as Workers Static Assets read them. */
function workersHeaders(): Map<string, string> {
  const lines = readFileSync("public/_headers", "utf8").split("\n").filter((l) => l.trim() && !l.startsWith("#"));
  expect(lines[0]).toBe("/*");
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const match = /^\s+([\w-]+):\s*(.*)$/.exec(line);
    if (!match) throw new Error(`public/_headers: not a header line: ${line}`);
    headers.set(match[1]!.toLowerCase(), match[2]!.trim());
  }
  return headers;
}

/** Serves a stand-in for `public/`, as serveStatic does, behind the middleware. */
function site() {
  const app = new Hono();
  app.use("*", securityHeaders());
  app.use("*", async (c, next) => {
    const name = decodeURIComponent(c.req.path).replace(/^\/+/, "");
    if (name === "" || name === "_headers" || name === "js/_redirects") return c.html(`<p>file ${name}</p>`);
    await next();
  });
  app.notFound((c) => c.text("Not Found\n", 404));
  return app;
}

describe("security headers", () => {
  test("the CSP forbids inline script and anything from another origin", async () => {
    const csp = (await site().request("/")).headers.get("content-security-policy") ?? "";
    const directives = new Map(
      csp.split(";").map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values] as const;
      }),
    );
    expect(directives.get("default-src")).toEqual(["'none'"]);
    expect(directives.get("script-src")).toEqual(["'self'"]);
    expect(directives.get("style-src")).toEqual(["'self'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  test("Node, Deno and Bun (the middleware) send exactly what Workers (public/_headers) send", async () => {
    const response = await site().request("/");
    const ours = new Map([...response.headers].filter(([name]) => name !== "content-type"));
    expect(ours.size).toBeGreaterThan(5);
    expect(ours).toEqual(workersHeaders());
  });

  test("404s carry the headers too", async () => {
    const response = await site().request("/missing");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-security-policy")).toBe(workersHeaders().get("content-security-policy"));
  });

  test.each(["/_headers", "/%5Fheaders", "/%5fheaders", "//_headers", "/js/_redirects", "/.assetsignore"])(
    "Workers' own config file %s is not served: 404",
    async (path) => {
      const response = await site().request(path);
      expect(response.status).toBe(404);
      expect(await response.text()).toBe("Not Found\n");
    },
  );

  test("an upgrade the runtime has answered itself (Bun) is left as it is: it is never sent", async () => {
    const app = new Hono();
    app.use("*", securityHeaders());
    app.get("/ws", () => new UpgradeAnswered());
    const response = await app.request("/ws");
    expect(response).toBeInstanceOf(UpgradeAnswered);
    expect([...response.headers]).toEqual([]);
  });
});
