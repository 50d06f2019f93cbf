import { Hono } from "hono/tiny";
import { TARGET_ID_PATTERN as TARGET_ID } from "../config/targets-schema";
import { PROVIDER_NAMES, type RelayEvent } from "../core/cloud-event";
import type { Env } from "../core/env";
import { errorMessage, errorResponse, RelayError } from "../core/errors";
import { log } from "../core/log";
import { OUTCOMES, type Outcome } from "../event-log/journal";
import { type EventFilter, listEvents, type Position, readEvent, typeGlob } from "../event-log/queries";
import { retainedSince } from "../event-log/retention";
import { encodeUtf8 } from "../lib/bytes";
import { D1_PATTERN_BYTES } from "../lib/limits";
import { wholeEvent } from "../queue/spill";
import { EVENT_LOG_UNREADABLE } from "./event-log-reads";
import { INVALID_CURSOR, onlyParams, pageSize, requestText, timeParam } from "./params";
import { chosenTargets, MAX_REDELIVER_BODY_BYTES, queueRedelivery, redeliverBody } from "./redeliver";
import type { AdminEnv } from "./request-log";

const DEFAULT_EVENTS_PAGE = 50;
const MAX_EVENTS_PAGE = 100;
const TYPE_FILTER = /^[A-Za-z0-9._/:*-]{1,128}$/;
const EVENT_ID = /^[A-Za-z0-9._:-]{1,512}$/;
const LIST_PARAMS = [
  "provider",
  "type",
  "subject",
  "target",
  "outcome",
  "q",
  "since",
  "until",
  "cursor",
  "limit",
] as const;
/** `?q=`: what a person types (an id, a meeting id, code or title); control characters refused. */
const SEARCH = /^[^\p{Cc}]{1,128}$/u;

/** `/admin/events`: the event log (D1), one event with its attempts, and redelivery. */
export const events = new Hono<AdminEnv>();

events.get("/", async (c) => {
  const query = c.req.query();
  onlyParams(c, LIST_PARAMS);
  const filter = eventFilter(query);
  // Rows past retention are hidden even before the cron has deleted them.
  filter.since = Math.max(filter.since ?? 0, retainedSince(c.env));
  c.set("logFields", { filters: Object.keys(query) });
  const page = await listEvents(c.env.RELAY_LOG, filter);
  return c.json({ items: page.items, cursor: page.next === null ? null : encodeCursor(page.next) });
});

events.get("/:id", async (c) => {
  const id = c.req.param("id");
  const logged = EVENT_ID.test(id) ? await readEvent(c.env.RELAY_LOG, id, retainedSince(c.env)) : null;
  if (logged === null) throw new RelayError(404, "unknown_event", `no event with id "${id}" in the event log`);
  return c.json({ ...logged, event: await shownWhole(c.env.RELAY_STATE, logged.event) });
});

/**
 * The log keeps a spilled event's stub (bounded, like the queue message it came from); the
 * answer shows the whole event from KV, which keeps it at least as long as the log keeps the row.
 * Without it (KV unavailable, or a stub older than that) the stub is still worth showing.
 */
async function shownWhole(state: KVNamespace, event: RelayEvent): Promise<RelayEvent> {
  try {
    return await wholeEvent(state, event);
  } catch (error) {
    log("event-log", { id: event.id, outcome: "spilled-payload-unreadable", reason: errorMessage(error) });
    return event;
  }
}

events.post("/:id/redeliver", async (c) => {
  const text = await requestText(c, MAX_REDELIVER_BODY_BYTES);
  const id = c.req.param("id");
  const body = redeliverBody(text);
  const logged = await eventToRedeliver(c.env, id);
  if (logged === null) throw new RelayError(404, "unknown_event", `no event with id "${id}" in the event log`);
  const ids = (await chosenTargets(c.env, logged.event, body.targets)).map((target) => target.id);
  const redelivery = await queueRedelivery(c.env, logged.event, ids);
  if (!redelivery.ok) {
    const { queued, notQueued } = redelivery;
    const error = `the redelivery was queued for ${queued.length} of ${ids.length} targets; send the rest again with {"targets": [...notQueued]}`;
    c.set("logFields", { event: id, targets: queued, notQueued, reason: error });
    return errorResponse(503, "queue_unavailable", error, { fields: { queued, notQueued } });
  }
  c.set("logFields", { event: id, targets: ids });
  return c.json({ id, targets: ids, status: "queued" }, 202);
});

/** The logged event a redelivery sends, or null; 503 `event_log_unavailable` when D1 cannot be read. */
async function eventToRedeliver(env: Env, id: string) {
  if (!EVENT_ID.test(id)) return null;
  try {
    return await readEvent(env.RELAY_LOG, id, retainedSince(env));
  } catch (error) {
    log("event-log", { id, outcome: "unreadable", reason: errorMessage(error) });
    throw new RelayError(503, "event_log_unavailable", EVENT_LOG_UNREADABLE);
  }
}

/** The query of `GET /admin/events`, checked; every mistake is a 400 that says what is expected. */
function eventFilter(query: Record<string, string>): EventFilter {
  const { provider, type, subject, target, outcome, cursor } = query;
  const q = query.q?.trim();
  if (q !== undefined && !SEARCH.test(q)) {
    throw new RelayError(
      400,
      "invalid_query",
      "q must be 1 to 128 characters (an event id, meeting id, code or title)",
    );
  }
  if (provider !== undefined && !(PROVIDER_NAMES as readonly string[]).includes(provider)) {
    throw new RelayError(400, "invalid_query", `provider must be one of ${PROVIDER_NAMES.join(", ")}`);
  }
  if (type !== undefined && !TYPE_FILTER.test(type)) {
    throw new RelayError(
      400,
      "invalid_query",
      "type must be an event type (letters, digits, . _ / : -), with * matching anything",
    );
  }
  const glob = type === undefined ? undefined : typeGlob(type);
  if (glob !== undefined && encodeUtf8(glob).byteLength > D1_PATTERN_BYTES) {
    throw new RelayError(
      400,
      "invalid_query",
      `type with * is at most ${D1_PATTERN_BYTES} bytes (the longest GLOB pattern D1 takes); shorten it, say with another *`,
    );
  }
  if (subject !== undefined && (subject === "" || subject.length > 256)) {
    throw new RelayError(400, "invalid_query", "subject must be 1 to 256 characters");
  }
  if (target !== undefined && !TARGET_ID.test(target)) {
    throw new RelayError(400, "invalid_query", "target must be a target id (1 to 64 of a-z, 0-9, _ and -)");
  }
  if (outcome !== undefined && !(OUTCOMES as readonly string[]).includes(outcome)) {
    throw new RelayError(400, "invalid_query", `outcome must be one of ${OUTCOMES.join(", ")}`);
  }
  const since = timeParam("since", query.since);
  const until = timeParam("until", query.until);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new RelayError(400, "invalid_query", "since must be earlier than until");
  }
  return {
    provider,
    type,
    subject,
    target,
    outcome: outcome as Outcome | undefined,
    q,
    since,
    until,
    after: cursor === undefined ? undefined : decodeCursor(cursor),
    limit: pageSize(query.limit, DEFAULT_EVENTS_PAGE, MAX_EVENTS_PAGE),
  };
}

/** Opaque to clients: base64url of `<received ms>:<event id>`. */
function encodeCursor(position: Position): string {
  return btoa(`${position.receivedAt}:${position.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeCursor(cursor: string): Position {
  let text = "";
  try {
    text = /^[A-Za-z0-9_-]{1,720}$/.test(cursor) ? atob(cursor.replace(/-/g, "+").replace(/_/g, "/")) : "";
  } catch {
    text = "";
  }
  const match = /^(\d{1,16}):([A-Za-z0-9._:-]{1,512})$/.exec(text);
  if (!match) throw new RelayError(400, "invalid_query", INVALID_CURSOR);
  return { receivedAt: Number(match[1]), id: match[2] as string };
}
