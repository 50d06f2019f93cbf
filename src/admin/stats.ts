import { Hono } from "hono/tiny";
import { loadTargets } from "../config/targets";
import type { Env } from "../core/env";
import { RelayError } from "../core/errors";
import { settingsOf } from "../core/settings";
import { readWaiting } from "../delivery/waiting";
import { retainedSince } from "../event-log/retention";
import { readStats } from "../event-log/stats";
import { PROVIDER_ADAPTERS } from "../providers/registry";
import { onlyParams, timeParam } from "./params";
import type { AdminEnv } from "./request-log";

const DEFAULT_WINDOW_MS = 86_400_000;
/** The hourly chart covers at most this far back. */
const MAX_WINDOW_MS = 366 * 86_400_000;

/** `GET /admin/stats?since=`: per provider, per target and per hour, from the event log. */
export const stats = new Hono<AdminEnv>();

stats.get("/", async (c) => {
  onlyParams(c, ["since"]);
  const now = Date.now();
  const since = timeParam("since", c.req.query("since"), now) ?? now - DEFAULT_WINDOW_MS;
  if (since > now) throw new RelayError(400, "invalid_query", "since must not be in the future");
  if (since < now - MAX_WINDOW_MS) throw new RelayError(400, "invalid_query", "since may reach back at most 366 days");
  const providers = PROVIDER_ADAPTERS.map((adapter) => adapter.name);
  // Rows past retention wait for the hourly cron to delete them: not counted meanwhile, as the event list shows none.
  const counts = await readStats(c.env.RELAY_LOG, providers, Math.max(since, retainedSince(c.env, now)), now);
  return c.json({ ...counts, targetsInvalid: await targetsInvalid(c.env) });
});

/**
 * While the stored targets document is invalid, deliveries wait for it: its first problem, how many
 * problems, and how many wait since when (as the consumer noted them; `null` when none lately).
 * `null` while it is valid, or when it cannot be read now (the counts are still worth answering).
 */
async function targetsInvalid(env: Env) {
  const loaded = await Promise.resolve()
    .then(() => loadTargets(env, settingsOf(env)))
    .catch(() => undefined);
  if (loaded === undefined || loaded.ok) return null;
  const waiting = await readWaiting(env.RELAY_STATE);
  return {
    problem: loaded.problems[0] ?? null,
    problems: loaded.problems.length,
    waiting: waiting && { ...waiting, approximate: true },
  };
}
