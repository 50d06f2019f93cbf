import { Hono } from "hono/tiny";
import { RelayError } from "../core/errors";
import { requireAdmin } from "./auth";
import { deadLetters } from "./dead-letters";
import { eventLogReads } from "./event-log-reads";
import { events } from "./events";
import { huawei } from "./huawei";
import { providers } from "./providers";
import { type AdminEnv, logAdminRequest } from "./request-log";
import { stats } from "./stats";
import { testTarget } from "./target-test";
import { targets } from "./targets";

/** `/admin/…`: every route behind the bearer token. Each area mounts its own sub-app here. */
export const admin = new Hono<AdminEnv>();

admin.use("*", logAdminRequest);
admin.use("*", requireAdmin);
admin.route("/targets", targets);
admin.post("/targets/:id/test", testTarget);
admin.route("/huawei", huawei);
admin.route("/providers", providers);
admin.route("/dead-letters", deadLetters);
for (const path of ["/events", "/events/*", "/stats"]) admin.use(path, eventLogReads);
admin.route("/events", events);
admin.route("/stats", stats);

/** A path above asked with a method it does not take: 405 naming those it takes (none: the app's 404). */
admin.all("*", (c) => {
  const path = c.req.path.replace(/^\/admin|\/$/g, "");
  const allow = new Set(
    admin.routes.flatMap((route) =>
      route.method !== "ALL" && new RegExp(`^${route.path.replace(/:\w+/g, "[^/]+")}$`).test(path)
        ? [route.method]
        : [],
    ),
  );
  if (allow.size === 0) return c.notFound();
  if (allow.has("GET")) allow.add("HEAD");
  throw new RelayError(405, "method_not_allowed", `method ${c.req.method} is not allowed here`, {
    headers: { allow: [...allow].sort().join(", ") },
  });
});
