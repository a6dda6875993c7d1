import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { UpgradeAnswered } from "./upgrade.ts";

/**
 * The Content-Security-Policy of everything we serve. Scripts and styles come
 * from our own origin only, so markup that slips into the page (a message
 * echoed into the log, say) can run nothing. `connect-src` admits any ws:/wss:
 * URL because the test page's URL box may point at another echo server.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'", "ws:", "wss:"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/**
 * Files in `public/` that configure Workers Static Assets (which never serves
 * them); the runtimes that serve `public/` through Hono must not either.
 */
const PLATFORM_FILES = new Set(["_headers", "_redirects", ".assetsignore"]);

/**
 * Security headers on every response that passes through it, via Hono's
 * `secureHeaders`, applied once the response exists. On Workers, Static Assets
 * answer before the Worker runs, so `public/_headers` carries the same headers
 * for them (test/unit/security-headers.test.ts keeps the two equal).
 *
 * A 101 gets them too where its headers can change: Deno and workerd send the
 * upgrade Response itself, and on Node `ws` writes the headers of the app's
 * answer into its 101 (src/node/runtime.ts). Bun's `server.upgrade` has
 * written the 101 before any middleware has the answer, so Bun's goes without
 * (test/runtimes.ts, `securityHeadersOn101`), and its helper's answer, never
 * sent, is left as it is (`UpgradeAnswered`). Where a runtime's upgrade
 * response has immutable headers (Deno's once had: honojs/hono#2535), it goes
 * out as the runtime made it rather than failing the handshake.
 */
export function securityHeaders(): MiddlewareHandler {
  const apply = secureHeaders({
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    xFrameOptions: "DENY",
    // HSTS is the deployment's decision (it pins a whole host to https), not the app's.
    strictTransportSecurity: false,
  });
  return async (c, next) => {
    if (isPlatformFile(c.req.path)) c.res = await c.notFound();
    else await next();
    if (c.res instanceof UpgradeAnswered) return;
    if (c.res.status !== 101) return apply(c, done);
    try {
      await apply(c, done);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
    }
  };
}

async function done(): Promise<void> {}

function isPlatformFile(path: string): boolean {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Not percent-decodable: not a name serveStatic would map to one of ours.
  }
  return PLATFORM_FILES.has(decoded.slice(decoded.lastIndexOf("/") + 1));
}
