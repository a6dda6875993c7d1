import { request } from "node:https";
import { within } from "./deadline.ts";

/** An https answer, read whole. */
export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * GET over https trusting `ca` alone (the test CA in test/fixtures/tls):
 * `fetch` cannot be given a CA without undici's dispatcher.
 */
export function httpsGet(url: string, ca: string, ms = 5_000): Promise<HttpsResponse> {
  let abort = () => {};
  const answer = new Promise<HttpsResponse>((resolve, reject) => {
    const req = request(url, { ca, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
    abort = () => req.destroy();
  });
  return within(ms, `GET ${url}`, answer).finally(abort);
}
