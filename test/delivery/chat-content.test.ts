import { describe, expect, it } from "vitest";
import type { ChatTarget, Target } from "../../src/config/targets-schema";
import type { RelayEvent } from "../../src/core/cloud-event";
import { chatRateLimit } from "../../src/delivery/chat/chat-rate-limit";
import { type ChatContent, chatContent } from "../../src/delivery/chat/content";
import { WORDED_TYPES } from "../../src/delivery/chat/wording";
import { targetWants } from "../../src/delivery/match";
import { sampleEvent } from "../support/events";

const ZH: Pick<ChatTarget, "locale" | "templates"> = {};
const EN: Pick<ChatTarget, "locale" | "templates"> = { locale: "en" };

function meetingEvent(type: string, data: Partial<RelayEvent["data"]> = {}, provider = "tencent-meeting"): RelayEvent {
  return sampleEvent("tencent-meeting:seq-1:0", {
    type,
    provider: provider as RelayEvent["provider"],
    time: "2026-11-21T10:00:00Z",
    data: {
      meeting: { id: "6058890385480921052", code: "530812452", subject: "周会：产品评审" },
      raw: {},
      ...data,
    },
  });
}

/** The message as the lines a reader sees, labels joined as the zh-CN renderers join them. */
const asText = (content: ChatContent) => [
  content.title,
  ...content.lines.map((line) => (line.label === undefined ? line.value : `${line.label}：${line.value}`)),
];

/** Every type of the shared vocabulary, the recording/transcript/summary events and the relay's own. */
const VOCABULARY = [
  "meeting.created",
  "meeting.updated",
  "meeting.canceled",
  "meeting.started",
  "meeting.ended",
  "meeting.closed",
  "participant.joined",
  "participant.left",
  "participant.waiting_for_host",
  "waiting_room.joined",
  "waiting_room.left",
  "waiting_room.admitted",
  "waiting_room.returned",
  "recording.started",
  "recording.stopped",
  "recording.completed",
  "recording.failed",
  "transcript.completed",
  "summary.completed",
  "playback.completed",
  "whiteboard.transcode.progress",
  "whiteboard.transcode.completed",
  "whiteboard.recording.started",
  "whiteboard.recording.stopped",
  "whiteboard.recording.completed",
  "whiteboard.push.started",
  "whiteboard.push.stopped",
  "relay.target.paused",
  "relay.target.resumed",
  "relay.delivery.dead",
  "relay.config.invalid",
  "relay.test",
];

describe("what a chat message says", () => {
  it("announces a meeting start in zh-CN by default: title, code on its own line, id, Beijing time, platform", () => {
    expect(asText(chatContent(meetingEvent("meeting.started"), ZH))).toEqual([
      "周会：产品评审 开始了",
      "会议号：530812452",
      "会议 ID：6058890385480921052",
      "时间：2026-11-21 18:00:00 (UTC+8)",
      "平台：腾讯会议",
    ]);
  });

  it("says the same in English with the time in UTC", () => {
    const event = meetingEvent("meeting.ended", {
      meeting: { id: "m1", code: "530812452", subject: "Product review" },
    });
    expect(chatContent(event, EN)).toEqual({
      title: "Product review has ended",
      lines: [
        { label: "Meeting code", value: "530812452" },
        { label: "Meeting ID", value: "m1" },
        { label: "Time", value: "2026-11-21 10:00:00 UTC" },
        { label: "Platform", value: "Tencent Meeting" },
      ],
      links: [],
    });
  });

  it("names the participant, and the meeting's title when the headline does not", () => {
    const event = meetingEvent("participant.joined", { participant: { name: "张三" } }, "huawei-meeting");
    expect(asText(chatContent(event, ZH))).toEqual([
      "张三 加入了 周会：产品评审",
      "会议号：530812452",
      "会议 ID：6058890385480921052",
      "参会人：张三",
      "时间：2026-11-21 18:00:00 (UTC+8)",
      "平台：华为云会议",
    ]);
    const untitled = meetingEvent("whiteboard.recording.completed", { meeting: { subject: "白板课" } });
    expect(asText(chatContent(untitled, ZH)).slice(0, 2)).toEqual(["白板录制已生成", "会议：白板课"]);
  });

  it.each(VOCABULARY)("has built-in words for %s in both locales", (type) => {
    expect(WORDED_TYPES).toContain(type);
    const [zh, en] = [ZH, EN].map((target) => chatContent(meetingEvent(type), target).title);
    expect(zh).not.toBe(`腾讯会议事件 ${type}`);
    expect(en).not.toBe(`Tencent Meeting event ${type}`);
    expect(zh).not.toBe(en);
    for (const title of [zh, en]) expect(title).not.toMatch(/[{}]/);
  });

  it("words the meeting's moments without a title too", () => {
    const bare = meetingEvent("recording.completed", { meeting: { id: "m1" } });
    expect(chatContent(bare, ZH).title).toBe("会议录制已生成");
    expect(chatContent(bare, EN).title).toBe("The recording is ready");
    const joined = meetingEvent("participant.left", { meeting: {} });
    expect(chatContent(joined, EN).title).toBe("Someone left the meeting");
    expect(chatContent(joined, ZH).title).toBe("有人 离开了会议");
  });

  it("gives any other type a generic message naming the platform and the type", () => {
    const event = meetingEvent("tencent-meeting/enroll.cancel");
    expect(chatContent(event, ZH).title).toBe("腾讯会议事件 tencent-meeting/enroll.cancel");
    expect(chatContent(event, EN).title).toBe("Tencent Meeting event tencent-meeting/enroll.cancel");
    const whiteboard = meetingEvent("tencent-whiteboard/OfflineRecordProgressChanged", {}, "tencent-whiteboard");
    expect(chatContent(whiteboard, EN).title).toBe(
      "Tencent Interactive Whiteboard event tencent-whiteboard/OfflineRecordProgressChanged",
    );
  });

  it("reads a relay event's target and reason", () => {
    const event = sampleEvent("relay:paused:1", {
      type: "relay.target.paused",
      provider: "relay" as RelayEvent["provider"],
      data: { target: "crm", reason: "answered 410 Gone", raw: {} } as RelayEvent["data"],
    });
    expect(asText(chatContent(event, ZH)).slice(0, 2)).toEqual(["投递目标 crm 已暂停", "原因：answered 410 Gone"]);
  });

  it("says how many deliveries a resume replayed", () => {
    const event = sampleEvent("relay:resumed:1", {
      type: "relay.target.resumed",
      provider: "relay" as RelayEvent["provider"],
      data: { target: "crm", replayed: 42, pausedSince: "2026-11-21T10:00:00.000Z", raw: null } as RelayEvent["data"],
    });
    expect(asText(chatContent(event, ZH)).slice(0, 2)).toEqual(["投递目标 crm 已恢复", "已重放：42"]);
    expect(asText(chatContent(event, EN)).slice(0, 2)).toEqual(["Target crm is resumed", "Replayed：42"]);
  });

  it("puts a placeholder-looking title in as text, never as another slot", () => {
    const event = meetingEvent("participant.joined", {
      meeting: { subject: "{p} {t} {{data.participant.name}}" },
      participant: { name: "李四" },
    });
    expect(chatContent(event, EN).title).toBe("李四 joined {p} {t} {{data.participant.name}}");
  });
});

describe("links to recordings, transcripts and minutes", () => {
  const files = [
    { id: "f1", url: "https://meeting.tencent.com/crm/rec-1.mp4", lang: "zh" },
    { id: "f2", url: "http://meeting.tencent.com/plain.mp4" },
    { id: "f3", url: "javascript:alert(1)" },
    { id: "f4", url: "https://user:pass@evil.example/x" },
    { id: "f5", url: "data:text/html,<script>alert(1)</script>" },
    { id: "f6" },
    { id: "f7", url: "https://meeting.tencent.com/crm/rec-2.mp4", lang: "en-US<b>" },
  ];

  it("links only https file URLs, labelled in the relay's own words", () => {
    const event = meetingEvent("recording.completed", { recording: { files } });
    expect(chatContent(event, ZH).links).toEqual([
      { label: "录制文件 1 (zh)", url: "https://meeting.tencent.com/crm/rec-1.mp4" },
      { label: "录制文件 2", url: "https://meeting.tencent.com/crm/rec-2.mp4" },
    ]);
    expect(chatContent(meetingEvent("transcript.completed", { recording: { files } }), EN).links[0]?.label).toBe(
      "Transcript 1 (zh)",
    );
    expect(chatContent(meetingEvent("summary.completed", { recording: { files } }), ZH).links[0]?.label).toBe(
      "纪要 1 (zh)",
    );
  });

  it("lists ten files at most and says how many more there are", () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ url: `https://cdn.example.com/${i}.mp4` }));
    const content = chatContent(meetingEvent("recording.completed", { recording: { files: many } }), EN);
    expect(content.links).toHaveLength(10);
    expect(content.lines.at(-1)).toEqual({ value: "+2 more files not listed" });
  });

  it("ignores a files field of the wrong shape", () => {
    for (const recording of [{ files: "https://x.example/a" }, { files: [null, 3, "x"] }, null]) {
      const event = meetingEvent("recording.completed", { recording } as Partial<RelayEvent["data"]>);
      expect(chatContent(event, ZH).links).toEqual([]);
    }
  });
});

describe("templates", () => {
  const templates = {
    "meeting.started": "{{data.meeting.subject}} 开始啦\n会议号 {{data.meeting.code}}\n{{data.missing.path}}",
    "meeting.*": "other meeting event {{type}}",
    "recording.*": "录制好了：{{data.meeting.subject}}",
  };

  it("replaces the text with the first template whose glob matches, placeholders filled from the event", () => {
    expect(chatContent(meetingEvent("meeting.started"), { templates })).toEqual({
      title: "周会：产品评审 开始啦",
      lines: [{ value: "会议号 530812452" }],
      links: [],
    });
    expect(chatContent(meetingEvent("meeting.ended"), { templates }).title).toBe("other meeting event meeting.ended");
  });

  it("keeps the relay's file links after a template", () => {
    const files = [{ url: "https://cdn.example.com/rec.mp4" }];
    const content = chatContent(meetingEvent("recording.completed", { recording: { files } }), { templates });
    expect(content.title).toBe("录制好了：周会：产品评审");
    expect(content.links).toEqual([{ label: "录制文件 1", url: "https://cdn.example.com/rec.mp4" }]);
  });

  it("evaluates nothing: a missing or non-plain value is empty, inherited names are missing, values stay literal", () => {
    const event = meetingEvent("meeting.started", {
      meeting: { subject: "{{data.meeting.code}}", code: "530812452", list: [1, 2] },
    });
    const template = {
      "*": "{{data.meeting.subject}}|{{data.meeting.list}}|{{data.meeting.list.0}}|{{constructor.name}}|{{data.__proto__}}|{{data.raw}}",
    };
    expect(chatContent(event, { templates: template }).title).toBe("{{data.meeting.code}}||1|||");
  });

  it("falls back to the built-in words when a template comes out empty", () => {
    const content = chatContent(meetingEvent("meeting.started"), { templates: { "*": "{{data.nothing}}" } });
    expect(content.title).toBe("周会：产品评审 开始了");
  });
});

describe("which events a chat target gets", () => {
  const chat: Target = { id: "team", url: "https://open.feishu.cn/open-apis/bot/v2/hook/x", kind: "feishu" };
  const wants = (target: Target, type: string) => targetWants(target, sampleEvent("e", { type }));

  it("without types: meeting start and end, recordings, transcripts and minutes; not every join, never relay.*", () => {
    const wanted = [
      "meeting.started",
      "meeting.ended",
      "recording.completed",
      "recording.failed",
      "transcript.completed",
      "summary.completed",
    ];
    const unwanted = ["participant.joined", "meeting.created", "relay.target.paused", "relay.delivery.dead"];
    for (const type of wanted) expect(wants(chat, type)).toBe(true);
    for (const type of unwanted) expect(wants(chat, type)).toBe(false);
  });

  it("with types: exactly those, as for any target; a webhook without types still gets everything", () => {
    const ops: Target = { ...chat, types: ["relay.*", "participant.joined"] };
    expect(wants(ops, "relay.target.paused")).toBe(true);
    expect(wants(ops, "participant.joined")).toBe(true);
    expect(wants(ops, "meeting.started")).toBe(false);
    expect(wants({ id: "crm", url: "https://crm.example.com/in" }, "participant.joined")).toBe(true);
  });
});

describe("chatRateLimit", () => {
  it("is each platform's documented limit unless the target sets its own, field by field", () => {
    expect(chatRateLimit({ kind: "dingtalk" })).toEqual({ perMinute: 20 });
    expect(chatRateLimit({ kind: "wecom" })).toEqual({ perMinute: 20 });
    expect(chatRateLimit({ kind: "feishu" })).toEqual({ perMinute: 100, perSecond: 5 });
    expect(chatRateLimit({ kind: "slack" })).toEqual({ perSecond: 1 });
    expect(chatRateLimit({ kind: "feishu", rateLimit: { perMinute: 30 } })).toEqual({ perMinute: 30, perSecond: 5 });
    expect(chatRateLimit({ kind: "dingtalk", rateLimit: { perSecond: 1 } })).toEqual({ perMinute: 20, perSecond: 1 });
  });
});
