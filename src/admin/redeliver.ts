import * as v from "valibot";
import { loadTargets, type Target } from "../config/targets";
import { TARGET_ID_PATTERN as TARGET_ID } from "../config/targets-schema";
import { RELAY_PROVIDER, type RelayEvent } from "../core/cloud-event";
import type { Env } from "../core/env";
import { errorMessage, RelayError } from "../core/errors";
import { log } from "../core/log";
import { settingsOf } from "../core/settings";
import { aboutTarget, targetWants } from "../delivery/match";
import { parseJson } from "../lib/json";
import { BATCH_BYTES_BUDGET, MAX_TARGETS, QUEUE_BATCH_MESSAGES } from "../lib/limits";
import { PartlySentError, sendInBatches } from "../queue/enqueue";
import type { DeliveryMessage } from "../queue/messages";
import { MAX_MESSAGE_BYTES, messageBytes, spillEvent } from "../queue/spill";

/**
 * A body names at most as many targets as a document lists ({@link MAX_TARGETS}, ids of at most 64
 * characters: about 13 KB), so the targets a redelivery the queue took only part of did not reach
 * (`notQueued`, however many) can always be sent again in one body, as the answer says.
 */
export const MAX_REDELIVER_BODY_BYTES = 16 * 1024;
const SHAPE = 'body must be {} or {"targets": ["<target id>", …]}';

const TARGET_RANGE = `body.targets must list 1 to ${MAX_TARGETS} target ids`;

// Messages say what is expected, never what was sent: a body can hold anything an operator pasted.
export const RedeliverBody = v.strictObject(
  {
    targets: v.optional(
      v.pipe(
        v.array(
          v.pipe(v.string("must be a target id"), v.regex(TARGET_ID, "must be a target id")),
          "body.targets must be an array of target ids",
        ),
        v.minLength(1, TARGET_RANGE),
        v.maxLength(MAX_TARGETS, TARGET_RANGE),
      ),
    ),
  },
  (issue) => (issue.expected === "never" ? `body: unknown field ${issue.received} (allowed: targets)` : SHAPE),
);

/** `{}` or `{"targets": [...]}`; an empty body means `{}`. Every mistake is a 400 that quotes no value sent. */
export function redeliverBody(text: string): { targets?: string[] | undefined } {
  if (text.trim() === "") return {};
  const json = parseJson(text);
  if (!json.ok) throw new RelayError(400, "invalid_json", `request body is not valid JSON: ${json.error}`);
  // valibot takes an array for an object; say what was meant instead of listing its indexes as fields.
  const parsed = v.safeParse(RedeliverBody, Array.isArray(json.value) ? null : json.value);
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  const index = issue.path?.[1]?.key;
  throw new RelayError(
    400,
    "invalid_body",
    index === undefined ? issue.message : `body.targets.${String(index)}: ${issue.message}`,
  );
}

/**
 * The named targets (each must exist and be enabled, and not be the target a relay event is about), or every
 * enabled target that wants the event.
 */
export async function chosenTargets(
  env: Env,
  event: RelayEvent,
  named: readonly string[] | undefined,
): Promise<Target[]> {
  const loaded = await loadTargets(env, settingsOf(env));
  if (!loaded.ok)
    throw new RelayError(
      409,
      "stored_targets_invalid",
      "the targets document is invalid; fix it with PUT /admin/targets first",
    );
  if (named === undefined) {
    const wanted = loaded.targets.filter((target) => targetWants(target, event));
    if (wanted.length === 0) {
      throw new RelayError(
        409,
        "no_matching_target",
        `no enabled target matches type "${event.type}" from provider "${event.provider}"`,
      );
    }
    return wanted;
  }
  // A target never receives relay events about itself, named or not.
  const about = event.provider === RELAY_PROVIDER ? named.indexOf(aboutTarget(event) ?? "") : -1;
  if (about !== -1)
    throw new RelayError(
      400,
      "invalid_body",
      `body.targets.${about}: "${named[about]}" is the target this relay event is about; a target never receives relay events about itself`,
    );
  const byId = new Map(loaded.targets.map((target) => [target.id, target]));
  return [...new Set(named)].map((id) => {
    const target = byId.get(id);
    if (target === undefined) throw new RelayError(400, "unknown_target", `unknown target "${id}"`);
    if (target.enabled === false) throw new RelayError(400, "target_disabled", `target "${id}" is disabled`);
    return target;
  });
}

/** Every target's delivery queued, or how far a failure part way got. */
type Redelivery = { ok: true } | { ok: false; queued: string[]; notQueued: string[] };

/**
 * One fresh delivery per target on `DELIVERIES_QUEUE`, within Queues' limits. When a full
 * `sendBatch` of copies of the event would not fit (copies over about 2.5 KB), the event is
 * written to KV once and every target's message carries the same small stub: one call per 100
 * targets, whatever the event's size. A failure part way is answered with which targets were
 * queued and which were not, so the operator sends only the rest again; one before anything
 * was queued is a 503 to retry.
 */
export async function queueRedelivery(env: Env, event: RelayEvent, targets: readonly string[]): Promise<Redelivery> {
  const firstAttemptAt = Date.now();
  const messagesOf = (carried: RelayEvent) =>
    targets.map(
      (target): MessageSendRequest<DeliveryMessage> => ({
        body: { kind: "delivery", event: carried, target, attemptsBefore: 0, firstAttemptAt, manual: true },
        contentType: "json",
      }),
    );
  try {
    let messages = messagesOf(event);
    const size = messages[0] === undefined ? 0 : messageBytes(messages[0].body);
    if (size > MAX_MESSAGE_BYTES || size * Math.min(messages.length, QUEUE_BATCH_MESSAGES) > BATCH_BYTES_BUDGET) {
      // A write KV refuses as too soon is this event's own, a second ago: the redelivery before this one (its
      // rest sent again at once, as its answer says), or the event's fan-out. The stub names it all the same.
      messages = messagesOf(await spillEvent(env.RELAY_STATE, event, "written-already"));
    }
    await sendInBatches(env.DELIVERIES_QUEUE, messages);
    return { ok: true };
  } catch (error) {
    const sent = error instanceof PartlySentError ? error.sent : 0;
    log("redeliver", { id: event.id, outcome: "enqueue-failed", queued: sent, reason: errorMessage(error) });
    if (sent === 0) throw new RelayError(503, "queue_unavailable", "the redelivery could not be queued; try again");
    return { ok: false, queued: targets.slice(0, sent), notQueued: targets.slice(sent) };
  }
}
