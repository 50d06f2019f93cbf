import { compact, type EventDraft, eventType } from "../../core/cloud-event";
import { sha256Hex } from "../../lib/crypto";
import { isoFromMs, providerTime } from "../../lib/time";
import { eventId } from "../event-id";
import { text } from "../text-field";
import { YUNHUNI_TIME_FIELDS, type YunhuniNotification } from "./verify";

/** Yunhuni voice conference events → event types (the table in docs/platforms.md). */
export const YUNHUNI_TYPES: Readonly<Record<string, string>> = {
  "conf.create.succ": "meeting.created",
  "conf.end": "meeting.ended",
  "conf.joined": "participant.joined",
  "conf.quit": "participant.left",
  "conf.record_end": "recording.completed",
  "conf.play_end": "playback.completed",
};

/** The field that says when each event happened; unknown events use the latest one present. */
const OWN_TIME: Readonly<Record<string, (typeof YUNHUNI_TIME_FIELDS)[number]>> = {
  "conf.create.succ": "begin_time",
  "conf.end": "end_time",
  "conf.joined": "join_time",
  "conf.quit": "quit_time",
  "conf.record_end": "end_time",
  "conf.play_end": "end_time",
};
const FALLBACK_TIME = ["quit_time", "end_time", "join_time", "begin_time"] as const;

/**
 * Yunhuni carries no event id. The dedup identity is a SHA-256 over the event name,
 * conference id, call id and the event's own time fields: the sender's immediate
 * retries repeat all of them, while two real events differ in at least one. The body's
 * integers past 2^53, which parsing rounds (a `call_id` sent as a number), are added as
 * sent when it has any.
 */
function yunhuniEventId(notification: YunhuniNotification, inexactIntegers: readonly string[] = []): Promise<string> {
  const identity: unknown[] = [
    notification.event,
    notification.id,
    notification.call_id ?? null,
    ...YUNHUNI_TIME_FIELDS.map((field) => notification[field] ?? null),
  ];
  if (inexactIntegers.length > 0) identity.push(inexactIntegers);
  return sha256Hex(JSON.stringify(identity)).then((hash) => eventId("yunhuni", hash));
}

export async function normalizeYunhuni(
  notification: YunhuniNotification,
  receivedAt: number,
  inexactIntegers?: readonly string[],
): Promise<EventDraft> {
  const { event, id } = notification;
  const type = eventType("yunhuni", YUNHUNI_TYPES, event);
  const own = Object.hasOwn(OWN_TIME, event) ? OWN_TIME[event] : undefined;
  const timeField = own ?? FALLBACK_TIME.find((field) => providerTime(notification[field]) !== undefined);
  const time = (timeField && providerTime(notification[timeField])) ?? isoFromMs(receivedAt);

  // begin/end_time describe the conference only for create and end; for play/record they are the clip's.
  const isConferenceSpan = event === "conf.create.succ" || event === "conf.end";
  const meeting = compact({
    id,
    start: isConferenceSpan ? providerTime(notification.begin_time) : undefined,
    end: isConferenceSpan ? providerTime(notification.end_time) : undefined,
    error: text(notification.error),
  });
  const uri = text(notification.part_uri);
  const participant =
    type.startsWith("participant.") || notification.call_id != null
      ? compact({
          id: text(notification.call_id),
          phone: uri !== undefined && /^\+?\d+$/.test(uri) ? uri : undefined,
          uri,
          joined: providerTime(notification.join_time),
          left: providerTime(notification.quit_time),
        })
      : undefined;
  const recording =
    event === "conf.record_end"
      ? compact({ start: providerTime(notification.begin_time), end: providerTime(notification.end_time) })
      : undefined;

  return {
    id: await yunhuniEventId(notification, inexactIntegers),
    type,
    subject: id,
    time,
    providerevent: event,
    data: {
      meeting,
      ...compact({
        participant: participant && Object.keys(participant).length > 0 ? participant : undefined,
        recording: recording && Object.keys(recording).length > 0 ? recording : undefined,
      }),
      raw: notification,
    },
  };
}
