import { compact, type EventDraft, eventType } from "../../core/cloud-event";
import { sha256Hex } from "../../lib/crypto";
import { isRecord } from "../../lib/json";
import { isoFromMs, providerTime } from "../../lib/time";
import { eventId } from "../event-id";
import { httpsUrl } from "../https-url";
import { scalar, text } from "../text-field";
import { canonicalJson } from "./canonical-json";
import type { TencentWhiteboardVerified } from "./verify";

/** Tencent Interactive Whiteboard event types → event types (the table in docs/architecture.md, "The normalized event"). */
export const TENCENT_WHITEBOARD_TYPES: Readonly<Record<string, string>> = {
  TranscodeProgressChanged: "whiteboard.transcode.progress",
  PPT2H5ProgressChanged: "whiteboard.transcode.progress",
  TranscodeFinished: "whiteboard.transcode.completed",
  OnlineRecordStarted: "whiteboard.recording.started",
  OnlineRecordStopped: "whiteboard.recording.stopped",
  OnlineRecordFinished: "whiteboard.recording.completed",
  OfflineRecordFinished: "whiteboard.recording.completed",
  WhiteboardPushStarted: "whiteboard.push.started",
  WhiteboardPushStopped: "whiteboard.push.stopped",
};

/**
 * The whiteboard sends no event id. The dedup identity is a SHA-256 over SdkAppId,
 * EventType, Timestamp and the canonical JSON of EventData: progress events of one
 * task differ in `Progress`, so they stay distinct. The body's integers past 2^53,
 * which parsing rounds, are added as sent when it has any.
 */
async function tencentWhiteboardEventId({ callback, inexactIntegers }: TencentWhiteboardVerified): Promise<string> {
  const timestamp = callback.Timestamp;
  const at =
    typeof timestamp === "number" || typeof timestamp === "string"
      ? String(timestamp)
      : canonicalJson(timestamp ?? null);
  const identity: unknown[] = [String(callback.SdkAppId), callback.EventType, at, callback.EventData];
  if (inexactIntegers) identity.push(inexactIntegers);
  const hash = await sha256Hex(canonicalJson(identity));
  return eventId("tencent-whiteboard", callback.SdkAppId, hash);
}

export async function normalizeTencentWhiteboard(
  verified: TencentWhiteboardVerified,
  receivedAt: number,
): Promise<EventDraft> {
  const { callback } = verified;
  const data = callback.EventData;
  const type = eventType("tencent-whiteboard", TENCENT_WHITEBOARD_TYPES, callback.EventType);
  const error = isRecord(data.Error)
    ? compact({ code: scalar(data.Error.Code), message: text(data.Error.Message) })
    : {};
  const task = compact({
    id: text(data.TaskId),
    room: scalar(data.RoomId),
    group: text(data.GroupId),
    progress: scalar(data.Progress),
    pages: scalar(data.Pages),
    resolution: text(data.Resolution),
    title: text(data.Title),
    url: httpsUrl(data.ResultUrl),
    reason: scalar(data.FinishReason),
    error: Object.keys(error).length > 0 ? error : undefined,
  });
  const recording = compact({
    start: providerTime(data.RecordStartTime),
    end: providerTime(data.RecordStopTime),
    duration: scalar(data.TotalTime),
    files: videoFiles(data.VideoInfos),
  });

  // `Sign` authenticates any body until ExpireTime (it does not cover the body), so it
  // is not forwarded: whoever reads a target's payloads could otherwise forge callbacks.
  const { Sign: _sign, ...raw } = callback;
  const draft: EventDraft = {
    id: await tencentWhiteboardEventId(verified),
    type,
    time: providerTime(callback.Timestamp) ?? isoFromMs(receivedAt),
    providerevent: callback.EventType,
    data: {
      ...compact({
        task: Object.keys(task).length > 0 ? task : undefined,
        recording: Object.keys(recording).length > 0 ? recording : undefined,
      }),
      raw,
    },
  };
  if (task.id !== undefined) draft.subject = task.id;
  return draft;
}

/**
 * `VideoInfos[]` of a finished recording as `data.recording.files`: `id` (VideoId), `type` (VideoType: 0 mixed
 * stream, 1 whiteboard, 2 one user's stream), `format`, `user` (UserId) and `url` (VideoUrl, https only), each
 * when present. An entry with neither an id nor a link is left out, and so is a `VideoInfos` that is not a list:
 * the callback is verified, so its shape never refuses it (the whole `EventData` stays in `data.raw`).
 */
function videoFiles(videoInfos: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(videoInfos)) return undefined;
  const files = videoInfos.flatMap((video) => {
    if (!isRecord(video)) return [];
    const file = compact({
      id: text(video.VideoId),
      type: scalar(video.VideoType),
      format: text(video.VideoFormat),
      user: text(video.UserId),
      url: httpsUrl(video.VideoUrl),
    });
    return file.id !== undefined || file.url !== undefined ? [file] : [];
  });
  return files.length > 0 ? files : undefined;
}
