import { Hono } from "hono/tiny";
import type { Env } from "./core/env";
import { errorResponse } from "./core/errors";

/**
 * `GET /console`: the web console's static files (in `public/console/`, uploaded as assets,
 * never bundled into the Worker). The Worker serves them so that every file carries a strict
 * Content-Security-Policy: only this origin's scripts, styles and API, no inline script or
 * style, no eval, no framing. The page talks to `/admin/…` with the bearer token itself.
 */
export const consolePages = new Hono<{ Bindings: Env }>();

/**
 * What every console answer carries, its files and its 404s alike: the policy above, no referrer, no
 * framing, no MIME sniffing, HTTPS only, and this origin only for embedding and opening.
 */
const SECURITY_HEADERS = {
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Origin-Agent-Cluster": "?1",
  "Referrer-Policy": "no-referrer",
  "Strict-Transport-Security": "max-age=15552000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "X-DNS-Prefetch-Control": "off",
  "X-Download-Options": "noopen",
  "X-Frame-Options": "DENY",
  "X-Permitted-Cross-Domain-Policies": "none",
  "X-XSS-Protection": "0",
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

consolePages.use("*", async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  c.res.headers.delete("X-Powered-By");
});

consolePages.get("/", (c) => serve(c.env, new URL("/console/index.html", c.req.url)));
consolePages.get("/*", (c) => serve(c.env, new URL(c.req.url)));

async function serve(env: Env, url: URL): Promise<Response> {
  const asset = await env.ASSETS.fetch(new Request(url));
  if (asset.status === 404) return errorResponse(404, "not_found", "not found");
  // A copy: the assets response's headers are immutable, and the security headers go on top.
  const response = new Response(asset.body, asset);
  response.headers.set("cache-control", "no-cache");
  return response;
}
