import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { Env } from "./core/env";
import { errorResponse } from "./core/errors";

/**
 * `GET /console`: the web console's static files (in `public/console/`, uploaded as assets,
 * never bundled into the Worker). The Worker serves them so that every file carries a strict
 * Content-Security-Policy: only this origin's scripts, styles and API, no inline script or
 * style, no eval, no framing. The page talks to `/admin/…` with the bearer token itself.
 */
export const consolePages = new Hono<{ Bindings: Env }>();

consolePages.use(
  "*",
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      connectSrc: ["'self'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
    },
    referrerPolicy: "no-referrer",
    xFrameOptions: "DENY",
  }),
);

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
