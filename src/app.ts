import { Hono } from "hono";
import { admin } from "./admin/routes";
import type { Env } from "./env";
import { errorResponse, onError } from "./errors";
import { health } from "./healthz";
import { webhooks } from "./ingest/routes";

export const app = new Hono<{ Bindings: Env }>();

app.get("/healthz", (c) => c.json(health(c.env)));
app.route("/webhooks", webhooks);
app.route("/admin", admin);
app.notFound(() => errorResponse(404, "not found"));
app.onError(onError);
