import { Hono } from "hono";
import type { Env } from "../env";
import { requireAdmin } from "./auth";

/** `/admin/…`: every route behind the bearer token. Each area mounts its own sub-app here. */
export const admin = new Hono<{ Bindings: Env }>();

admin.use("*", requireAdmin);
