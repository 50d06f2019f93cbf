import { compact, type EventDraft, eventType } from "../../core/cloud-event";
import { isRecord } from "../../lib/json";
import { isoFromMs, providerTime } from "../../lib/time";
import { eventId } from "../event-id";
import { text } from "../text-field";
import type { TencentMeetingCallback } from "./callback";
import { personOf } from "./people";
import { recordingOf } from "./recording";

/** Tencent Meeting event names → the relay's types (docs/architecture.md); any other event passes through as `tencent-meeting/<event>`. */
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
  "recording.started": "recording.started",
  "recording.stopped": "recording.stopped",
  "recording.completed": "recording.completed",
  "recording.failed": "recording.failed",
  "smart.transcripts": "transcript.completed",
  "smart.minutes": "summary.completed",
  "smart.fullsummary": "summary.completed",
};

/** One event per payload item; the id is the callback's sequence plus the item's index, stable across retries. */
export function normalizeTencentMeeting(callback: TencentMeetingCallback, receivedAt: number): Promise<EventDraft[]> {
  const type = eventType("tencent-meeting", TENCENT_MEETING_TYPES, callback.event);
  // The sequence made safe once per callback (a hash, when it is not plain), not once per item.
  const sequence = eventId("tencent-meeting", callback.sequence);
  return Promise.all(
    callback.payload.map(async (item, index) => {
      const draft: EventDraft = {
        id: `${await sequence}:${index}`,
        type,
        time: (isRecord(item) && providerTime(item.operate_time)) || isoFromMs(receivedAt),
        providerevent: callback.event,
        data: { raw: item },
      };
      if (!isRecord(item)) return draft;
      draft.data = { ...itemData(item, callback.event, draft.time), raw: item };
      const subject = subjectOf(item);
      if (subject !== undefined) draft.subject = subject;
      return draft;
    }),
  );
}

function itemData(item: Record<string, unknown>, providerEvent: string, time: string) {
  const meetingInfo = isRecord(item.meeting_info) ? item.meeting_info : {};
  // 2020 callbacks send "YYYY-MM-DD HH:MM:SS" Beijing time; today's send Unix seconds.
  const meeting = compact({
    id: text(meetingInfo.meeting_id),
    code: text(meetingInfo.meeting_code),
    subject: text(meetingInfo.subject),
    start: providerTime(meetingInfo.start_time),
    end: providerTime(meetingInfo.end_time),
    creator: personOf(meetingInfo.creator),
  });
  const operator = personOf(item.operator);
  // Tencent names the person who joins, leaves or waits as the event's operator.
  const participant =
    operator && providerEvent.startsWith("meeting.participant")
      ? compact({
          ...operator,
          joined: providerEvent === "meeting.participant-joined" ? time : undefined,
          left: providerEvent === "meeting.participant-left" ? time : undefined,
        })
      : undefined;
  return compact({
    meeting: Object.keys(meeting).length > 0 ? meeting : undefined,
    operator,
    participant,
    recording: recordingOf(item),
  });
}

/**
 * The meeting the item is about: `meeting_info.meeting_id`, else the `meeting_id` of another
 * top-level object (`enroll_info` of enroll.*, https://cloud.tencent.com/document/product/1095/62026).
 */
function subjectOf(item: Record<string, unknown>): string | undefined {
  const meetingInfo = isRecord(item.meeting_info) ? text(item.meeting_info.meeting_id) : undefined;
  if (meetingInfo !== undefined) return meetingInfo;
  for (const value of Object.values(item)) {
    const id = isRecord(value) ? text(value.meeting_id) : undefined;
    if (id !== undefined) return id;
  }
  return undefined;
}
