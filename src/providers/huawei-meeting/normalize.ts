import { compact, type EventDraft, eventType } from "../../core/cloud-event";
import { sha256Hex } from "../../lib/crypto";
import { isRecord } from "../../lib/json";
import { isoFromMs, isoTime, providerTime } from "../../lib/time";
import { eventId } from "../event-id";
import { scalar, text } from "../text-field";
import type { HuaweiMeetingVerified } from "./verify";

/** Huawei Cloud Meeting event names → event types (the table in docs/platforms.md). */
export const HUAWEI_MEETING_TYPES: Readonly<Record<string, string>> = {
  "meeting.create": "meeting.created",
  "meeting.modify": "meeting.updated",
  "meeting.cancel": "meeting.canceled",
  "meeting.started": "meeting.started",
  "meeting.end": "meeting.ended",
  "meeting.conclude": "meeting.closed",
  "meeting.join": "participant.joined",
  "meeting.left": "participant.left",
  "record.finish": "recording.completed",
};

/**
 * One event per push. Huawei sends no unique sequence, so the id is the subscriber plus a SHA-256
 * of `eventInfo`'s compact serialization: a retry repeats the push, and a copy re-serialized on the
 * way (spaces added, letters escaped) still parses to the same object, so it gets the same id. An
 * integer past 2^53, which parsing rounds, is added as sent (see `identityOf`).
 */
export async function normalizeHuaweiMeeting(verified: HuaweiMeetingVerified, receivedAt: number): Promise<EventDraft> {
  const { eventInfo } = verified;
  const payload = isRecord(eventInfo.payload) ? eventInfo.payload : {};
  const meetingInfo = isRecord(payload.meetingInfo) ? payload.meetingInfo : {};
  const attendeeInfo = isRecord(payload.attendeeInfo) ? payload.attendeeInfo : undefined;

  const meeting = compact({
    id: text(meetingInfo.meetingID),
    uuid: text(meetingInfo.meetingUUID),
    cycleSubId: text(meetingInfo.meetingCycleSubID),
  });
  const participant =
    attendeeInfo &&
    compact({
      id: text(attendeeInfo.userUUID) ?? text(attendeeInfo.participantID) ?? text(attendeeInfo.account),
      name: text(attendeeInfo.displayName),
      phone: text(attendeeInfo.callNumber),
      role: scalar(attendeeInfo.role),
      account: text(attendeeInfo.account),
      joined: providerTime(attendeeInfo.joinTime),
      left: providerTime(attendeeInfo.leftTime),
    });

  const draft: EventDraft = {
    id: await eventId("huawei-meeting", verified.appId, await sha256Hex(identityOf(verified))),
    type: eventType("huawei-meeting", HUAWEI_MEETING_TYPES, verified.event),
    // The event's own time; else when Huawei sent the push (signed, and fresh unless the window is off).
    time: providerTime(eventInfo.timestamp) ?? isoTime(verified.sentAt) ?? isoFromMs(receivedAt),
    providerevent: verified.event,
    data: {
      ...compact({
        meeting: Object.keys(meeting).length > 0 ? meeting : undefined,
        participant: participant && Object.keys(participant).length > 0 ? participant : undefined,
      }),
      raw: eventInfo,
    },
  };
  if (meeting.id !== undefined) draft.subject = meeting.id;
  return draft;
}

/**
 * What the id hashes: the compact `eventInfo`, followed by its integers past 2^53 as sent when it has
 * any (the compact form holds them rounded, so alone it could not tell two such pushes apart).
 */
function identityOf({ compactEventInfo, inexactIntegers }: HuaweiMeetingVerified): string {
  return inexactIntegers === undefined ? compactEventInfo : `${compactEventInfo}\n${JSON.stringify(inexactIntegers)}`;
}
