import { afterEach, describe, expect, it } from "vitest";
import type { ChatTarget } from "../../src/config/targets-schema";
import type { RelayEvent } from "../../src/core/cloud-event";
import { markdownText } from "../../src/delivery/chat/escape";
import { sendToTarget } from "../../src/delivery/send";
import {
  answerBots,
  BOT_SECRETS,
  BOT_URLS,
  type BotKind,
  BOT_FAKES as FAKES,
  fakeDingtalk,
  fakeFeishu,
  BOT_KINDS as KINDS,
  BOT_TARGETS as TARGETS,
} from "../support/chat-bots";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { type Rendered, renderDingtalk, renderFeishu, renderMarkdown, renderSlack, renderWecom } from "./chat-render";

const NOW = Date.parse("2026-11-21T10:00:00Z");

const RENDER: Record<BotKind, (body: Record<string, unknown>) => Rendered> = {
  feishu: renderFeishu,
  dingtalk: renderDingtalk,
  wecom: renderWecom,
  slack: renderSlack,
};

/** The relay's own structure in each format: DingTalk's title heading, WeCom's bold title. */
const OWN_FORMATTING: Record<BotKind, string[]> = { feishu: [], dingtalk: ["heading"], wecom: ["bold"], slack: [] };

let outbound: ReturnType<typeof mockFetch> | undefined;
afterEach(() => outbound?.restore());

/** Sends one event to the kind's fake bot the way a delivery does, and returns what the bot got. */
async function sent(kind: BotKind, event: RelayEvent, target: Partial<ChatTarget> = {}, now = NOW) {
  const bot = FAKES[kind](() => now);
  outbound = mockFetch(answerBots(bot));
  const result = await sendToTarget(
    { ...TARGETS[kind], ...target } as ChatTarget,
    event.id,
    JSON.stringify(event),
    now,
  );
  outbound.restore();
  return { result, bot, body: bot.received[0] as Record<string, unknown> };
}

function meetingEvent(subject: string, name: string, extra: Partial<RelayEvent["data"]> = {}): RelayEvent {
  return sampleEvent("tencent-meeting:seq-1:0", {
    type: "participant.joined",
    data: { meeting: { id: "m1", code: "530812452", subject }, participant: { name }, raw: {}, ...extra },
  });
}

/** Titles and names a platform may send that must show as these characters and do nothing. */
const HOSTILE = [
  '<at user_id="all">所有人</at>',
  "<!channel> <!here> <!everyone>",
  "<@all> <@U123> <#C123>",
  "@所有人 @all @13800000000",
  "[x](https://evil.example/phish)",
  "![x](https://evil.example/x.png)",
  "[x](javascript:alert(1))",
  "**bold** __bold__ *it* ~~gone~~ `code`",
  "# heading",
  "> quote",
  "- item",
  "1. first",
  "1) first",
  '<font color="red">red</font>',
  "https://evil.example/a www.evil.example evil.example mail@evil.example",
  "evil\u00ad.example evil\u0301.example evil.\u2060example 例子。中国 evil．example",
  "<https://evil.example|click>",
  "&lt;b&gt; &amp; \\*",
  "---",
];

describe.each(KINDS)("%s: provider text never acts in the chat", (kind) => {
  it.each(HOSTILE)("a title and a participant name %j show as written and do nothing", async (hostile) => {
    const { result, body } = await sent(kind, meetingEvent(hostile, hostile));
    expect(result).toMatchObject({ ok: true });
    const seen = RENDER[kind](body);
    expect(seen.visible.split(hostile).length - 1).toBeGreaterThanOrEqual(2);
    expect(seen.mentions).toEqual([]);
    expect(seen.links).toEqual([]);
    expect(seen.images).toEqual([]);
    expect(seen.formatting.map((format) => format.split(":")[0])).toEqual(OWN_FORMATTING[kind]);
    if (kind === "dingtalk" || kind === "wecom") {
      // Even a client that ignored backslash escapes would link, show or mention nothing of it.
      const markdown =
        kind === "dingtalk" ? (body.markdown as { text: string }).text : (body.markdown as { content: string }).content;
      const literal = renderMarkdown(markdown, { honoursEscapes: false });
      expect({ mentions: literal.mentions, links: literal.links, images: literal.images }).toEqual({
        mentions: [],
        links: [],
        images: [],
      });
    }
    if (kind === "dingtalk") {
      const title = (seen as ReturnType<typeof renderDingtalk>).title;
      expect(title).toMatchObject({ mentions: [], links: [], formatting: [] });
      expect(title.visible).toContain(hostile.slice(0, 20));
    }
  });

  it("links only the https file URLs the relay built, and nothing a file's fields hold", async () => {
    const files = [
      { url: "https://meeting.tencent.com/rec/1.mp4?a=1&b=(2)|x>y" },
      { url: "javascript:alert(1)" },
      { url: "http://meeting.tencent.com/plain.mp4" },
      { url: "https://meeting.tencent.com/rec/2.mp4", lang: "[x](https://evil.example)" },
    ];
    const event = meetingEvent("录制好了", "张三", { recording: { files } });
    const { body } = await sent(kind, { ...event, type: "recording.completed" });
    const seen = RENDER[kind](body);
    expect(seen.links.map((link) => decodeURI(link).replace(/&amp;/g, "&"))).toEqual([
      "https://meeting.tencent.com/rec/1.mp4?a=1&b=(2)|x>y",
      "https://meeting.tencent.com/rec/2.mp4",
    ]);
    expect(seen.mentions).toEqual([]);
    expect(seen.images).toEqual([]);
  });
});

describe("message formats", () => {
  const event = sampleEvent("tencent-meeting:seq-1:0", {
    type: "meeting.started",
    data: { meeting: { id: "m1", code: "530812452", subject: "周会：产品评审" }, raw: {} },
  });

  it("feishu: a post in the target's language, signed in the body", async () => {
    const { body } = await sent("feishu", event);
    expect(body).toEqual({
      timestamp: String(NOW / 1000),
      sign: expect.any(String),
      msg_type: "post",
      content: {
        post: {
          zh_cn: {
            title: "周会：产品评审 开始了",
            content: [
              [{ tag: "text", text: "会议号：530812452" }],
              [{ tag: "text", text: "会议 ID：m1" }],
              [{ tag: "text", text: "时间：2026-11-21 18:00:00 (UTC+8)" }],
              [{ tag: "text", text: "平台：腾讯会议" }],
            ],
          },
        },
      },
    });
    const english = await sent("feishu", event, { locale: "en" });
    expect(Object.keys((english.body.content as { post: object }).post)).toEqual(["en_us"]);
  });

  it("dingtalk: markdown with a title, a new paragraph per line, no at object", async () => {
    const { body } = await sent("dingtalk", event);
    expect(body).toEqual({
      msgtype: "markdown",
      markdown: {
        title: "周会：产品评审 开始了",
        text: "#### 周会：产品评审 开始了\n\n会议号：530812452\n\n会议 ID：m1\n\n时间：2026-11-21 18:00:00 (UTC+8)\n\n平台：腾讯会议",
      },
    });
  });

  it("wecom: markdown content, no mentioned_list", async () => {
    const { body } = await sent("wecom", event, { locale: "en" });
    expect(body).toEqual({
      msgtype: "markdown",
      markdown: {
        content:
          "**周会：产品评审 has started**\nMeeting code: 530812452\nMeeting ID: m1\nTime: 2026-11-21 10:00:00 UTC\nPlatform: Tencent Meeting",
      },
    });
  });

  it("slack: blocks of plain_text with a text fallback, no unfurling", async () => {
    const { body } = await sent("slack", event, { locale: "en" });
    const plain = (text: string) => ({ type: "plain_text", text, emoji: false });
    expect(body).toEqual({
      text: "周会：产品评审 has started\nMeeting code: 530812452\nMeeting ID: m1\nTime: 2026-11-21 10:00:00 UTC\nPlatform: Tencent Meeting",
      mrkdwn: false,
      blocks: [
        { type: "header", text: plain("周会：产品评审 has started") },
        {
          type: "section",
          text: plain(
            "Meeting code: 530812452\nMeeting ID: m1\nTime: 2026-11-21 10:00:00 UTC\nPlatform: Tencent Meeting",
          ),
        },
      ],
      unfurl_links: false,
      unfurl_media: false,
    });
  });
});

describe("signatures, checked by bots that know only the platform's documentation", () => {
  it("feishu: timestamp in seconds and sign keyed with timestamp + newline + secret over nothing", async () => {
    const { result, bot } = await sent("feishu", sampleEvent());
    expect(result).toMatchObject({ ok: true });
    expect(bot.refusals).toEqual([]);
  });

  it("feishu: a bot with another secret refuses the signature, and the relay reports a refusal", async () => {
    const bot = fakeFeishu("another-secret", () => NOW);
    outbound = mockFetch(answerBots(bot));
    const result = await sendToTarget(TARGETS.feishu, "e", JSON.stringify(sampleEvent()), NOW);
    expect(bot.refusals).toEqual(["signature mismatch"]);
    expect(result).toMatchObject({
      ok: false,
      status: 200,
      answer: "refused",
      error: "feishu code 19021 (HTTP 200): sign match fail or timestamp is not within one hour from current time",
    });
  });

  it("dingtalk: timestamp in ms and a URL-encoded sign in the query, whatever base64 characters it holds", async () => {
    const signs: string[] = [];
    for (let i = 0; i < 24; i++) {
      const now = NOW + i * 7919;
      const bot = fakeDingtalk(BOT_SECRETS.dingtalk, () => now);
      outbound = mockFetch(answerBots(bot));
      const result = await sendToTarget(TARGETS.dingtalk, "e", JSON.stringify(sampleEvent()), now);
      const url = new URL(outbound.requests[0]?.url ?? "");
      outbound.restore();
      expect(result).toMatchObject({ ok: true });
      expect(bot.refusals).toEqual([]);
      expect(url.searchParams.get("timestamp")).toBe(String(now));
      expect(url.searchParams.get("access_token")).toBe(new URL(BOT_URLS.dingtalk).searchParams.get("access_token"));
      signs.push(url.searchParams.get("sign") ?? "");
    }
    // Some signatures hold `+` or `/`: sent unencoded, a `+` would reach the robot as a space.
    expect(signs.some((sign) => /[+/]/.test(sign))).toBe(true);
  });

  it("wecom and slack: nothing added to the URL, no signature", async () => {
    for (const kind of ["wecom", "slack"] as const) {
      const bot = FAKES[kind](() => NOW);
      outbound = mockFetch(answerBots(bot));
      await sendToTarget(TARGETS[kind], "e", JSON.stringify(sampleEvent()), NOW);
      expect(outbound.requests.map((request) => request.url)).toEqual([BOT_URLS[kind]]);
      expect(outbound.requests[0]?.headers.get("content-type")).toBe("application/json; charset=utf-8");
      outbound.restore();
    }
  });

  it("unsigned when a feishu or dingtalk target has no secret", async () => {
    const { bot, body } = await sent("feishu", sampleEvent(), { secret: undefined } as Partial<ChatTarget>);
    expect(bot.refusals).toEqual(["signature missing"]);
    expect(body).toBeUndefined();
    const feishu = fakeFeishu(undefined, () => NOW);
    outbound = mockFetch(answerBots(feishu));
    const { secret: _, ...unsigned } = TARGETS.feishu as ChatTarget & { secret?: string };
    await sendToTarget(unsigned as ChatTarget, "e", JSON.stringify(sampleEvent()), NOW);
    expect(feishu.received[0]).not.toHaveProperty("sign");
  });
});

describe.each(KINDS)("%s: a message is cut to the bot's limits, never refused for length", (kind) => {
  const huge = `${"<@all> 产品评审 **x** 🎉 ".repeat(8_000)}END`;
  const files = Array.from({ length: 40 }, (_, i) => ({
    url: `https://meeting.tencent.com/rec/${i}/${"a".repeat(1_500)}.mp4`,
  }));

  it("a 200 KB title and name, and forty long links", async () => {
    const event = { ...meetingEvent(huge, huge, { recording: { files } }), type: "recording.completed" };
    const { result, bot, body } = await sent(kind, event);
    expect(bot.refusals).toEqual([]);
    expect(result).toMatchObject({ ok: true });
    const seen = RENDER[kind](body);
    expect(seen.visible).toContain("…");
    expect(seen.visible).not.toContain("END");
    expect(seen.mentions).toEqual([]);
    expect(limitsOf(kind, body)).toEqual(true);
  });

  it("a long template full of long values", async () => {
    const template = "{{data.meeting.subject}}\n".repeat(80);
    const event = meetingEvent(huge, huge);
    const { result, bot, body } = await sent(kind, event, { templates: { "*": template } });
    expect(bot.refusals).toEqual([]);
    expect(result).toMatchObject({ ok: true });
    expect(limitsOf(kind, body)).toEqual(true);
  });

  it("a title and a name of emoji with ten long links: links go before the lines do", async () => {
    // An emoji is one character to cut but two UTF-16 units: measured in units, no cut ever shortened these.
    const emoji = "😀".repeat(300);
    const longFiles = Array.from({ length: 10 }, (_, i) => ({
      url: `https://meeting.tencent.com/rec/${i}/${"a".repeat(1_950)}.mp4`,
    }));
    const event = { ...meetingEvent(emoji, emoji, { recording: { files: longFiles } }), type: "recording.completed" };
    const { result, bot, body } = await sent(kind, event);
    expect(bot.refusals).toEqual([]);
    expect(result).toMatchObject({ ok: true });
    expect(limitsOf(kind, body)).toEqual(true);
    const seen = RENDER[kind](body);
    // The meeting's code and the platform are still there: not the headline alone.
    expect(seen.visible).toContain("530812452");
    expect(seen.visible).toContain("腾讯会议");
    expect(seen.links.length).toBeGreaterThan(0);
    expect(seen.links.length).toBeLessThan(10);
  });
});

/** Each platform's documented limits, checked on what was sent. */
function limitsOf(kind: BotKind, body: Record<string, unknown>): boolean {
  const bytes = (text: string) => new TextEncoder().encode(text).byteLength;
  if (kind === "feishu") return bytes(JSON.stringify(body)) <= 20 * 1024;
  if (kind === "wecom") return bytes((body.markdown as { content: string }).content) <= 4096;
  if (kind === "dingtalk") return bytes((body.markdown as { text: string }).text) <= 5000;
  const blocks = body.blocks as { type: string; text: { text: string } }[];
  return (
    blocks.length <= 50 &&
    blocks.every((block) => block.text.text.length <= (block.type === "header" ? 150 : 3000)) &&
    String(body.text).length <= 3000
  );
}

describe("markdownText: provider text that starts a line", () => {
  it.each(["1. first", "1) first", "- item", "+ item", "# heading", "---", "===", "[x](https://evil.example)"])(
    "%j shows as written and formats nothing, links nothing",
    (hostile) => {
      const seen = renderMarkdown(markdownText(hostile));
      expect(seen.visible).toBe(hostile);
      expect(seen.formatting).toEqual([]);
      expect(seen.links).toEqual([]);
    },
  );
});

describe("slack: the header is within Slack's 150 characters as sent", () => {
  /** Slack counts the header's text as sent, entities included; both ways of counting are kept within 150. */
  const headerOf = (body: Record<string, unknown>) => {
    const [header] = body.blocks as { type: string; text: { text: string } }[];
    expect(header?.type).toBe("header");
    return header?.text.text ?? "";
  };

  it.each([
    ["& and emoji", "&😀".repeat(200), "张三"],
    ["only &, beside a name of emoji", "&".repeat(300), "😀".repeat(300)],
    ["< and >, beside a name of & and emoji", "<>".repeat(150), "😀&".repeat(150)],
    ["emoji", "😀".repeat(300), "张三"],
  ])("a title of %s, with or without a template", async (_, subject, name) => {
    for (const templates of [{ "*": "{{data.meeting.subject}}\n{{data.participant.name}}" }, undefined]) {
      const { result, bot, body } = await sent("slack", meetingEvent(subject, name), templates ? { templates } : {});
      expect(bot.refusals).toEqual([]);
      expect(result).toMatchObject({ ok: true });
      const header = headerOf(body);
      expect(header.length).toBeLessThanOrEqual(150);
      expect(Array.from(header).length).toBeLessThanOrEqual(150);
      expect(header.endsWith("…")).toBe(true);
      // Cut only as far as the limit needs: one more character, escaped, would not fit.
      expect(header.length).toBeGreaterThan(150 - "&amp;".length);
      // The header is cut on its own: the lines below it are still there.
      expect(renderSlack(body).visible).toContain(Array.from(name).slice(0, 10).join(""));
    }
  });
});
