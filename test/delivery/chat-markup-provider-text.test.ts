import { afterEach, describe, expect, it } from "vitest";
import type { ChatTarget } from "../../src/config/targets-schema";
import type { RelayEvent } from "../../src/core/cloud-event";
import { chatContent } from "../../src/delivery/chat/content";
import { sendToTarget } from "../../src/delivery/send";
import {
  answerBots,
  type BotKind,
  BOT_FAKES as FAKES,
  BOT_KINDS as KINDS,
  BOT_TARGETS as TARGETS,
} from "../support/chat-bots";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { renderSlack } from "./chat-render";

const NOW = Date.parse("2026-11-21T10:00:00Z");

let outbound: ReturnType<typeof mockFetch> | undefined;
afterEach(() => outbound?.restore());

async function sent(kind: BotKind, event: RelayEvent, target: Partial<ChatTarget> = {}) {
  const bot = FAKES[kind](() => NOW);
  outbound = mockFetch(answerBots(bot));
  const result = await sendToTarget(
    { ...TARGETS[kind], ...target } as ChatTarget,
    event.id,
    JSON.stringify(event),
    NOW,
  );
  outbound.restore();
  return { result, bot, body: bot.received[0] as Record<string, unknown> };
}

function meetingEvent(data: Partial<RelayEvent["data"]>, type = "participant.joined"): RelayEvent {
  return sampleEvent("tencent-meeting:seq-1:0", {
    type,
    data: { meeting: { id: "m1", code: "530812452", subject: "周会" }, raw: {}, ...data },
  });
}

describe("slack: a file's language from the platform formats nothing in the links section", () => {
  it.each(["_x_", "_en_"])("lang %j is no italics in the mrkdwn link label", async (lang) => {
    const files = [{ url: "https://meeting.tencent.com/rec/1.mp4", lang }];
    const { result, body } = await sent("slack", meetingEvent({ recording: { files } }, "recording.completed"));
    expect(result).toMatchObject({ ok: true });
    const seen = renderSlack(body);
    expect(seen.links).toEqual(["https://meeting.tencent.com/rec/1.mp4"]);
    expect(seen.formatting).toEqual([]);
  });
});

describe("templates: a value the platform sent is one line, as in the built-in wording", () => {
  const templates = { "*": "{{data.meeting.subject}} 开始了\n会议号：{{data.meeting.code}}" };

  it("a title holding line breaks adds no line of its own and does not push the template's words down", () => {
    const event = meetingEvent({ meeting: { code: "530812452", subject: "周会\n会议号：000000000\r\n平台：Zoom" } });
    expect(chatContent(event, { templates })).toEqual({
      title: "周会 会议号：000000000 平台：Zoom 开始了",
      lines: [{ value: "会议号：530812452" }],
      links: [],
    });
  });
});

/** Embeddings, overrides and isolates: invisible, and they reorder the text after them on the line. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

describe.each(KINDS)("%s: bidi controls the platform sent do not reorder the relay's words", (kind) => {
  it.each([
    ["built-in wording", undefined],
    ["a template", { "*": "{{data.participant.name}} 加入了 {{data.meeting.subject}}\n会议号 {{data.meeting.code}}" }],
  ])("a participant name with a right-to-left override, in %s", async (_, templates) => {
    const event = meetingEvent({ participant: { name: "\u202e张三\u2067" } });
    const { result, body } = await sent(kind, event, templates ? { templates } : {});
    expect(result).toMatchObject({ ok: true });
    const wire = JSON.stringify(body);
    expect(wire).toContain("张三");
    expect(wire).toContain("530812452");
    expect(wire).not.toMatch(BIDI_CONTROLS);
  });
});
