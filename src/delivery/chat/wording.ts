import type { ChatLocale } from "../../config/target-kinds";

/**
 * What happened, per event type: `[zh-CN with, zh-CN without, en with, en without]`. "With" is used
 * when the event names its meeting (`{s}`, the meeting's title) or, for the relay's own events, its
 * target (`{t}`); `{p}` is the participant's name (or "someone"). Every type of the shared vocabulary
 * has its words here; any other type gets {@link genericHeadline}.
 */
const PHRASES: Readonly<Record<string, readonly [string, string, string, string]>> = {
  "meeting.created": ["会议已预定：{s}", "会议已预定", "Meeting scheduled: {s}", "Meeting scheduled"],
  "meeting.updated": ["会议已修改：{s}", "会议已修改", "Meeting updated: {s}", "Meeting updated"],
  "meeting.canceled": ["会议已取消：{s}", "会议已取消", "Meeting canceled: {s}", "Meeting canceled"],
  "meeting.started": ["{s} 开始了", "会议开始了", "{s} has started", "The meeting has started"],
  "meeting.ended": ["{s} 结束了", "会议结束了", "{s} has ended", "The meeting has ended"],
  "meeting.closed": ["{s} 已关闭", "会议已关闭", "{s} is closed", "The meeting is closed"],
  "participant.joined": ["{p} 加入了 {s}", "{p} 加入了会议", "{p} joined {s}", "{p} joined the meeting"],
  "participant.left": ["{p} 离开了 {s}", "{p} 离开了会议", "{p} left {s}", "{p} left the meeting"],
  "participant.waiting_for_host": [
    "{p} 在等待主持人开始 {s}",
    "{p} 在等待主持人开始会议",
    "{p} is waiting for the host to start {s}",
    "{p} is waiting for the host to start the meeting",
  ],
  "waiting_room.joined": [
    "{p} 进入了 {s} 的等候室",
    "{p} 进入了等候室",
    "{p} entered the waiting room of {s}",
    "{p} entered the waiting room",
  ],
  "waiting_room.left": [
    "{p} 离开了 {s} 的等候室",
    "{p} 离开了等候室",
    "{p} left the waiting room of {s}",
    "{p} left the waiting room",
  ],
  "waiting_room.admitted": [
    "{p} 已从等候室进入 {s}",
    "{p} 已从等候室进入会议",
    "{p} was admitted to {s}",
    "{p} was admitted from the waiting room",
  ],
  "waiting_room.returned": [
    "{p} 被移回 {s} 的等候室",
    "{p} 被移回等候室",
    "{p} was moved back to the waiting room of {s}",
    "{p} was moved back to the waiting room",
  ],
  "recording.started": ["{s} 开始录制", "会议开始录制", "Recording started: {s}", "Recording started"],
  "recording.stopped": ["{s} 停止录制", "会议停止录制", "Recording stopped: {s}", "Recording stopped"],
  "recording.completed": ["{s} 的录制已生成", "会议录制已生成", "Recording ready: {s}", "The recording is ready"],
  "recording.failed": ["{s} 的录制失败了", "会议录制失败了", "Recording failed: {s}", "The recording failed"],
  "transcript.completed": ["{s} 的转写已生成", "会议转写已生成", "Transcript ready: {s}", "The transcript is ready"],
  "summary.completed": ["{s} 的纪要已生成", "会议纪要已生成", "Minutes ready: {s}", "The minutes are ready"],
  "playback.completed": ["{s} 放音结束", "会议放音结束", "Playback finished: {s}", "Playback finished"],
  "whiteboard.transcode.progress": [
    "白板文档转码中",
    "白板文档转码中",
    "Whiteboard document converting",
    "Whiteboard document converting",
  ],
  "whiteboard.transcode.completed": [
    "白板文档转码完成",
    "白板文档转码完成",
    "Whiteboard document converted",
    "Whiteboard document converted",
  ],
  "whiteboard.recording.started": [
    "白板录制开始",
    "白板录制开始",
    "Whiteboard recording started",
    "Whiteboard recording started",
  ],
  "whiteboard.recording.stopped": [
    "白板录制停止",
    "白板录制停止",
    "Whiteboard recording stopped",
    "Whiteboard recording stopped",
  ],
  "whiteboard.recording.completed": [
    "白板录制已生成",
    "白板录制已生成",
    "Whiteboard recording ready",
    "Whiteboard recording ready",
  ],
  "whiteboard.push.started": ["白板推流开始", "白板推流开始", "Whiteboard stream started", "Whiteboard stream started"],
  "whiteboard.push.stopped": ["白板推流停止", "白板推流停止", "Whiteboard stream stopped", "Whiteboard stream stopped"],
  "relay.target.paused": ["投递目标 {t} 已暂停", "投递目标已暂停", "Target {t} is paused", "A target is paused"],
  "relay.target.resumed": ["投递目标 {t} 已恢复", "投递目标已恢复", "Target {t} is resumed", "A target is resumed"],
  "relay.delivery.dead": [
    "事件未能送达 {t}，已放弃投递",
    "一次投递已放弃",
    "A delivery to {t} was given up",
    "A delivery was given up",
  ],
  "relay.config.invalid": [
    "targets 配置无效，事件正在等待",
    "targets 配置无效，事件正在等待",
    "The targets document is invalid: events are waiting",
    "The targets document is invalid: events are waiting",
  ],
  "relay.test": [
    "meeting-relay 测试消息",
    "meeting-relay 测试消息",
    "meeting-relay test message",
    "meeting-relay test message",
  ],
};

/** Phrases that name the relay's target ({t}) rather than the meeting ({s}). */
const NAMES_TARGET = (type: string) => type.startsWith("relay.");

interface HeadlineSlots {
  subject: string | undefined;
  participant: string | undefined;
  target: string | undefined;
}

/**
 * The headline for a type in a locale, and whether it names the meeting (so the meeting's title need
 * not be repeated below it); `undefined` for a type without built-in words.
 */
export function headline(
  type: string,
  locale: ChatLocale,
  slots: HeadlineSlots,
): { text: string; namesMeeting: boolean } | undefined {
  if (!Object.hasOwn(PHRASES, type)) return undefined;
  const [zhWith, zhWithout, enWith, enWithout] = PHRASES[type] as readonly [string, string, string, string];
  const key = NAMES_TARGET(type) ? slots.target : slots.subject;
  const chosen = locale === "en" ? (key ? enWith : enWithout) : key ? zhWith : zhWithout;
  const someone = locale === "en" ? "Someone" : "有人";
  const values: Record<string, string> = {
    s: slots.subject ?? "",
    t: slots.target ?? "",
    p: slots.participant ?? someone,
  };
  // One pass, so a title that reads "{p}" stays "{p}".
  return {
    text: chosen.replace(/\{([spt])\}/g, (_, slot: string) => values[slot] ?? ""),
    namesMeeting: chosen.includes("{s}"),
  };
}

/** Every type with built-in words (docs and tests list them). */
export const WORDED_TYPES: readonly string[] = Object.keys(PHRASES);

/** What any other type says: `<platform> event <type>`. */
export function genericHeadline(platform: string, type: string, locale: ChatLocale): string {
  return locale === "en" ? `${platform} event ${type}` : `${platform}事件 ${type}`;
}
