import { compact, type EventDraft, eventType } from "../../events";
import { isoFromMs, providerTime } from "../../lib/time";
import { isRecord, text } from "../json";
import type { TencentMeetingCallback } from "./verify";

/** Tencent Meeting event names → SPEC types (PROVIDERS.md §1). */
export const TENCENT_MEETING_TYPES: Readonly<Record<string, string>> = {
  "meeting.created": "meeting.created",
  "meeting.updated": "meeting.updated",
  "meeting.canceled": "meeting.canceled",
  "meeting.started": "meeting.started",
  "meeting.end": "meeting.ended",
  "meeting.participant-joined": "participant.joined",
  "meeting.participant-left": "participant.left",
  "meeting.participant-jbh-waiting": "participant.waiting_for_host",
  "meeting.participant-joined-waiting-room": "waiting_room.joined",
  "meeting.participant-left-waiting-room": "waiting_room.left",
  "meeting.participant-admitted": "waiting_room.admitted",
  "meeting.participant-put-in-waiting-room": "waiting_room.returned",
};

/** One event per payload item; the id is `unique_sequence` plus the item's index, stable across retries. */
export function normalizeTencentMeeting(callback: TencentMeetingCallback, receivedAt: number): EventDraft[] {
  const type = eventType("tencent-meeting", TENCENT_MEETING_TYPES, callback.event);
  return callback.payload.map((item, index) => {
    const fields = isRecord(item) ? item : {};
    const meetingInfo = isRecord(fields.meeting_info) ? fields.meeting_info : {};
    const operator = isRecord(fields.operator) ? fields.operator : undefined;
    const time = providerTime(fields.operate_time) ?? isoFromMs(receivedAt);
    const meeting = compact({
      id: text(meetingInfo.meeting_id),
      code: text(meetingInfo.meeting_code),
      subject: text(meetingInfo.subject),
      start: providerTime(meetingInfo.start_time),
      end: providerTime(meetingInfo.end_time),
    });
    const operatorFields =
      operator && compact({ id: text(operator.userid) ?? text(operator.uuid), name: text(operator.user_name) });
    const isParticipantEvent = type.startsWith("participant.") || type.startsWith("waiting_room.");
    const participant =
      isParticipantEvent && operatorFields
        ? compact({
            ...operatorFields,
            joined: type === "participant.joined" ? time : undefined,
            left: type === "participant.left" ? time : undefined,
          })
        : undefined;
    const data = compact({
      meeting: Object.keys(meeting).length > 0 ? meeting : undefined,
      operator: operatorFields && Object.keys(operatorFields).length > 0 ? operatorFields : undefined,
      participant,
    });
    const draft: EventDraft = {
      id: `tencent-meeting:${callback.unique_sequence}:${index}`,
      type,
      time,
      providerevent: callback.event,
      data: { ...data, raw: item },
    };
    if (meeting.id !== undefined) draft.subject = meeting.id;
    return draft;
  });
}
