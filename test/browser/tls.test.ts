// The page over https on every runtime with TLS of its own (capability `tls`);
// on Workers, Cloudflare terminates TLS and the launchers refuse TLS_CERT_FILE (test/tls.ts).
import { describeBrowserTls } from "./tls.ts";
import { bun, deno, node } from "../runtimes.ts";

for (const rt of [node, deno, bun]) describeBrowserTls(rt);
