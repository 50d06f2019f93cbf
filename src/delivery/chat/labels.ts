import type { ChatLocale } from "../../config/target-kinds";

/** The words around the event's values, per locale. */
export const LABELS = {
  "zh-CN": {
    meeting: "会议",
    code: "会议号",
    id: "会议 ID",
    participant: "参会人",
    time: "时间",
    platform: "平台",
    task: "任务",
    progress: "进度",
    reason: "原因",
    replayed: "已重放",
    event: "事件",
    recording: "录制文件",
    transcript: "转写文件",
    summary: "纪要",
    file: "文件",
    more: "更多文件未列出",
  },
  en: {
    meeting: "Meeting",
    code: "Meeting code",
    id: "Meeting ID",
    participant: "Participant",
    time: "Time",
    platform: "Platform",
    task: "Task",
    progress: "Progress",
    reason: "Reason",
    replayed: "Replayed",
    event: "Event",
    recording: "Recording",
    transcript: "Transcript",
    summary: "Minutes",
    file: "File",
    more: "more files not listed",
  },
} as const satisfies Record<ChatLocale, Record<string, string>>;

export type Labels = (typeof LABELS)[ChatLocale];

/** Each platform's name as its users know it; the relay's own events come from `meeting-relay`. */
const PLATFORM_NAMES: Readonly<Record<string, readonly [string, string]>> = {
  "tencent-meeting": ["腾讯会议", "Tencent Meeting"],
  "huawei-meeting": ["华为云会议", "Huawei Cloud Meeting"],
  yunhuni: ["云呼你", "Yunhuni"],
  "tencent-whiteboard": ["腾讯云互动白板", "Tencent Interactive Whiteboard"],
  relay: ["meeting-relay", "meeting-relay"],
};

export function platformName(provider: string, locale: ChatLocale): string {
  const names = Object.hasOwn(PLATFORM_NAMES, provider) ? PLATFORM_NAMES[provider] : undefined;
  if (names === undefined) return provider;
  return locale === "en" ? names[1] : names[0];
}
