import { Hono } from "hono";
import { admin } from "./admin/routes";
import type { Env } from "./env";
import { errorResponse, onError } from "./errors";
import { health } from "./healthz";
import { webhooks } from "./ingest/routes";
import { log } from "./log";

export const app = new Hono<{ Bindings: Env }>();

app.get("/healthz", (c) => c.json(health(c.env)));
app.route("/webhooks", webhooks);
app.route("/admin", admin);
app.notFound((c) => {
  log("request", { method: c.req.method, path: new URL(c.req.url).pathname, outcome: "not-found", status: 404 });
  return errorResponse(404, "not found");
});
app.onError(onError);
