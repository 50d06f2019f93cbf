import { Hono } from "hono";
import * as v from "valibot";
import { loadTargets, type Target } from "../config/targets";
import { targetWants } from "../delivery/match";
import { errorMessage, RelayError } from "../errors";
import { OUTCOMES, type Outcome } from "../event-log/journal";
import { type EventFilter, listEvents, type Position, readEvent } from "../event-log/queries";
import { retainedSince } from "../event-log/retention";
import { PROVIDER_NAMES } from "../events";
import { log } from "../log";
import type { DeliveryMessage } from "../queue/messages";
import { settingsOf } from "../settings";
import { onlyParams, pageSize, timeParam } from "./params";
import type { AdminEnv } from "./request-log";

export const DEFAULT_EVENTS_PAGE = 50;
export const MAX_EVENTS_PAGE = 100;
const TARGET_ID = /^[a-z0-9_-]{1,64}$/;
const TYPE_FILTER = /^[A-Za-z0-9._/:*-]{1,128}$/;
const EVENT_ID = /^[A-Za-z0-9._:-]{1,512}$/;
const LIST_PARAMS = ["provider", "type", "subject", "target", "outcome", "since", "until", "cursor", "limit"] as const;

/** `/admin/events`: the event log (D1), one event with its attempts, and redelivery. */
export const events = new Hono<AdminEnv>();

events.get("/", async (c) => {
  const query = c.req.query();
  onlyParams(query, LIST_PARAMS);
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
  if (logged === null) throw new RelayError(404, `no event with id "${id}" in the event log`);
  return c.json(logged);
});

const RedeliverBody = v.strictObject({
  targets: v.optional(
    v.pipe(v.array(v.pipe(v.string(), v.regex(TARGET_ID, "must be a target id"))), v.minLength(1), v.maxLength(100)),
  ),
});

events.post("/:id/redeliver", async (c) => {
  const id = c.req.param("id");
  const body = await redeliverBody(c.req.raw);
  const logged = EVENT_ID.test(id) ? await readEvent(c.env.RELAY_LOG, id, retainedSince(c.env)) : null;
  if (logged === null) throw new RelayError(404, `no event with id "${id}" in the event log`);
  const targets = await chosenTargets(c.env, logged.event, body.targets);
  const now = Date.now();
  const messages = targets.map(
    (target): MessageSendRequest<DeliveryMessage> => ({
      body: { kind: "delivery", event: logged.event, target: target.id, attemptsBefore: 0, firstAttemptAt: now },
      contentType: "json",
    }),
  );
  try {
    await c.env.DELIVERIES_QUEUE.sendBatch(messages);
  } catch (error) {
    log("redeliver", { id, outcome: "enqueue-failed", reason: errorMessage(error) });
    throw new RelayError(503, "the redelivery could not be queued; try again");
  }
  const ids = targets.map((target) => target.id);
  c.set("logFields", { event: id, targets: ids });
  return c.json({ id, targets: ids, status: "queued" }, 202);
});

/** The query of `GET /admin/events`, checked; every mistake is a 400 that says what is expected. */
function eventFilter(query: Record<string, string>): EventFilter {
  const { provider, type, subject, target, outcome, cursor } = query;
  if (provider !== undefined && !(PROVIDER_NAMES as readonly string[]).includes(provider)) {
    throw new RelayError(400, `provider must be one of ${PROVIDER_NAMES.join(", ")}`);
  }
  if (type !== undefined && !TYPE_FILTER.test(type)) {
    throw new RelayError(400, "type must be an event type (letters, digits, . _ / : -), with * matching anything");
  }
  if (subject !== undefined && (subject === "" || subject.length > 256)) {
    throw new RelayError(400, "subject must be 1 to 256 characters");
  }
  if (target !== undefined && !TARGET_ID.test(target)) {
    throw new RelayError(400, "target must be a target id (1 to 64 of a-z, 0-9, _ and -)");
  }
  if (outcome !== undefined && !(OUTCOMES as readonly string[]).includes(outcome)) {
    throw new RelayError(400, `outcome must be one of ${OUTCOMES.join(", ")}`);
  }
  const since = timeParam("since", query.since);
  const until = timeParam("until", query.until);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new RelayError(400, "since must be earlier than until");
  }
  return {
    provider,
    type,
    subject,
    target,
    outcome: outcome as Outcome | undefined,
    since,
    until,
    after: cursor === undefined ? undefined : decodeCursor(cursor),
    limit: pageSize(query.limit, DEFAULT_EVENTS_PAGE, MAX_EVENTS_PAGE),
  };
}

/** Opaque to clients: base64url of `<received ms>:<event id>`. */
export function encodeCursor(position: Position): string {
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
  if (!match) throw new RelayError(400, "cursor is not valid: pass back a cursor from a previous page");
  return { receivedAt: Number(match[1]), id: match[2] as string };
}

async function redeliverBody(request: Request): Promise<v.InferOutput<typeof RedeliverBody>> {
  const text = await request.text();
  if (text.trim() === "") return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RelayError(400, 'body must be JSON: {} or {"targets": ["<target id>", …]}');
  }
  const parsed = v.safeParse(RedeliverBody, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((item) => String(item.key)).join(".") ?? "";
    throw new RelayError(400, `body${path ? `.${path}` : ""}: ${issue.message}`);
  }
  return parsed.output;
}

/** The named targets (each must exist and be enabled), or every enabled target that wants the event. */
async function chosenTargets(
  env: AdminEnv["Bindings"],
  event: Parameters<typeof targetWants>[1],
  named: readonly string[] | undefined,
): Promise<Target[]> {
  const loaded = await loadTargets(env, settingsOf(env));
  if (!loaded.ok) throw new RelayError(409, "the targets document is invalid; fix it with PUT /admin/targets first");
  if (named === undefined) {
    const wanted = loaded.targets.filter((target) => targetWants(target, event));
    if (wanted.length === 0) {
      throw new RelayError(409, `no enabled target matches type "${event.type}" from provider "${event.provider}"`);
    }
    return wanted;
  }
  const byId = new Map(loaded.targets.map((target) => [target.id, target]));
  return [...new Set(named)].map((id) => {
    const target = byId.get(id);
    if (target === undefined) throw new RelayError(400, `unknown target "${id}"`);
    if (target.enabled === false) throw new RelayError(400, `target "${id}" is disabled`);
    return target;
  });
}
