import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

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
 * `secureHeaders`. On Workers, Static Assets answer before the Worker runs, so
 * `public/_headers` carries the same headers for them
 * (test/unit/security-headers.test.ts keeps the two equal).
 */
export function securityHeaders(): MiddlewareHandler {
  const headers = secureHeaders({
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    xFrameOptions: "DENY",
    // HSTS is the deployment's decision (it pins a whole host to https), not the app's.
    strictTransportSecurity: false,
  });
  return (c, next) =>
    headers(c, async () => {
      if (!isPlatformFile(c.req.path)) return next();
      c.res = await c.notFound();
    });
}

function isPlatformFile(path: string): boolean {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Not percent-decodable: not a name serveStatic would map to one of ours.
  }
  return PLATFORM_FILES.has(decoded.slice(decoded.lastIndexOf("/") + 1));
}
