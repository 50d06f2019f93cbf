import type { EventData, RelayEvent } from "../../core/cloud-event";
import { RELAY_PROVIDER } from "../../core/cloud-event";
import { boundedText } from "../../queue/stub";
import type { Pause } from "../pauses";

/** The `source` of the relay's own events. */
const RELAY_SOURCE = "/relay";

/** What a relay event's `data` says; `raw` is null (no platform sent it). */
interface OwnEventData extends EventData {
  /** The target it is about (never sent to that target). */
  target?: string;
  /** Why, in words: a pause's reason, a delivery's last error, the document's first problem. */
  reason?: string;
  [field: string]: unknown;
}

function ownEvent(type: string, id: string, data: OwnEventData, now: number, subject?: string): RelayEvent {
  return {
    specversion: "1.0",
    id,
    source: RELAY_SOURCE,
    type,
    ...(subject === undefined ? {} : { subject }),
    time: new Date(now).toISOString(),
    datacontenttype: "application/json",
    provider: RELAY_PROVIDER,
    providerevent: type,
    data,
  };
}

/** Whether an event is the relay's own: it never causes another one. */
export function isOwnEvent(event: RelayEvent): boolean {
  return event.provider === RELAY_PROVIDER;
}

/** `relay.target.paused`: one per pause (its id names the pause's time, so a retried consumer reports it once). */
export function targetPaused(target: string, pause: Pause, cause?: RelayEvent): RelayEvent {
  const at = Date.parse(pause.since);
  const reason = pause.reason ?? (pause.by === "operator" ? "paused by an operator" : "the target answered 410 Gone");
  const data: OwnEventData = {
    target,
    by: pause.by,
    reason,
    since: pause.since,
    ...(cause === undefined ? {} : { event: { id: cause.id, type: cause.type, provider: cause.provider } }),
    raw: null,
  };
  return ownEvent("relay.target.paused", `relay:target.paused:${target}:${at}`, data, at, target);
}

/**
 * `relay.target.resumed`, when a resume has replayed everything: `replayed` counts every page of it. Its id
 * names the pause it ends, so calling resume again does not report it again.
 */
export function targetResumed(
  target: string,
  pausedSince: string | null,
  replayed: number,
  now = Date.now(),
): RelayEvent {
  const data: OwnEventData = { target, replayed, pausedSince, raw: null };
  // A pause of unknown time (its record put by hand) is named by the resume's time instead.
  return ownEvent(
    "relay.target.resumed",
    `relay:target.resumed:${target}:${pausedSince === null ? now : Date.parse(pausedSince)}`,
    data,
    now,
    target,
  );
}

/** What {@link deliveryDead} reports about a delivery given up. */
interface GivenUp {
  event: RelayEvent;
  target: string;
  deadLetter: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string;
  firstAttemptAt: string;
}

/**
 * `relay.delivery.dead`: a delivery given up (its retries used up). Its id names the dead letter and the
 * delivery's first attempt, so a consumer run again reports it once, and a replay that dies again anew.
 */
export function deliveryDead(given: GivenUp, now = Date.now()): RelayEvent {
  const { event } = given;
  const data: OwnEventData = {
    target: given.target,
    event: {
      id: event.id,
      type: event.type,
      provider: event.provider,
      ...(event.subject ? { subject: event.subject } : {}),
    },
    deadLetter: given.deadLetter,
    attempts: given.attempts,
    lastStatus: given.lastStatus,
    reason: given.lastError,
    firstAttemptAt: given.firstAttemptAt,
    raw: null,
  };
  const id = `relay:delivery.dead:${given.deadLetter}:${Date.parse(given.firstAttemptAt)}`;
  return ownEvent("relay.delivery.dead", id, data, now, given.target);
}

/**
 * `relay.config.invalid`: the stored targets document is invalid while events wait. One id per hour, so
 * consumers that all find the document invalid in that hour report it once. Its reason, the first problem,
 * may quote the document (an unknown provider as written, of any length): it is cut, so the report fits a
 * queue message whatever the document holds.
 */
export async function configInvalid(
  problems: readonly string[],
  waiting: number,
  now = Date.now(),
): Promise<RelayEvent> {
  const hour = new Date(now).toISOString().slice(0, 13);
  const data: OwnEventData = {
    reason: await boundedText(problems[0] ?? "invalid targets"),
    problems: problems.length,
    waiting,
    raw: null,
  };
  return ownEvent("relay.config.invalid", `relay:config.invalid:${hour}`, data, now);
}

/** `relay.test`: sent to one target by `POST /admin/targets/<id>/test`, never queued. */
export function testEvent(target: string, now = Date.now()): RelayEvent {
  const data: OwnEventData = {
    target,
    reason: "a test sent from the admin API: no meeting event is behind it",
    raw: null,
  };
  return ownEvent("relay.test", `relay:test:${target}:${crypto.randomUUID()}`, data, now, target);
}
