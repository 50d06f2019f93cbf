/**
 * Fake chat bots for `mockFetch`: one per platform, each checking what that platform checks, written
 * from the platform's documentation with WebCrypto and nothing of the relay's code, so a signature
 * the relay computes wrongly is refused here as the real bot would refuse it.
 *
 * - Feishu custom bot: body `timestamp` (s) and `sign` = base64(HMAC-SHA256, key `timestamp + "\n" +
 *   secret`, empty message); `msg_type` `post`; body at most 20 KB; answers `{code, msg}`.
 *   https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
 * - DingTalk custom robot: query `timestamp` (ms) and `sign` = URL-encoded base64(HMAC-SHA256, key
 *   `secret`, message `timestamp + "\n" + secret`); answers `{errcode, errmsg}`.
 *   https://open.dingtalk.com/document/orgapp/customize-robot-security-settings
 * - WeCom group robot: the `key` in the URL is the credential; markdown `content` at most 4096 bytes.
 *   https://developer.work.weixin.qq.com/document/path/91770
 * - Slack incoming webhook: `text` and at most 50 `blocks`; answers `ok`, or an error word with a status.
 *   https://api.slack.com/messaging/webhooks
 */

import type { ChatTarget } from "../../src/config/targets-schema";

export type BotKind = "feishu" | "dingtalk" | "wecom" | "slack";

/** What the fake answers to a well-formed, correctly signed message. */
export type BotMode = "ok" | "rate-limited" | "refused" | "server-error";

export interface FakeBot {
  kind: BotKind;
  /** The target URL the relay is given (it holds the bot's token). */
  url: string;
  /** What the fake answers next; `ok` unless a test changes it. */
  mode: BotMode;
  /** Every well-formed, correctly signed message (its parsed JSON body), in order, whatever the mode. */
  received: Record<string, unknown>[];
  /** Why each refused request was refused (a bad signature, a wrong shape). */
  refusals: string[];
  answer(request: Request): Promise<Response>;
}

/** The token each fake's URL holds: no log line or error may show it. */
export const BOT_TOKENS = {
  feishu: "fs-token-2c7d9a41e6b84f0f",
  dingtalk: "dt-token-5b3e1c8f0a7d4e29",
  wecom: "wc-key-693a91f6-7aoc-4bc4",
  slack: "T000/B000/sl-token-XXXXXXXX",
} as const;

export const BOT_URLS: Readonly<Record<BotKind, string>> = {
  feishu: `https://open.feishu.cn/open-apis/bot/v2/hook/${BOT_TOKENS.feishu}`,
  dingtalk: `https://oapi.dingtalk.com/robot/send?access_token=${BOT_TOKENS.dingtalk}`,
  wecom: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${BOT_TOKENS.wecom}`,
  slack: `https://hooks.slack.com/services/${BOT_TOKENS.slack}`,
};

/** Signing secrets the fakes check (Feishu and DingTalk): no log line or error may show them. */
export const BOT_SECRETS = {
  feishu: "fs-secret-qX9w2LmN7pR4tV8y",
  dingtalk: "SECdt-secret-3f9K2mQ8vW1xZ7bN+/=",
} as const;

const FEISHU_MAX_BODY_BYTES = 20 * 1024;
const WECOM_MAX_CONTENT_BYTES = 4096;
const SLACK_MAX_BLOCKS = 50;
const HOUR_MS = 3600_000;

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

async function hmacBase64(key: string, message: string): Promise<string> {
  const encoder = new TextEncoder();
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    encoder.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
  return btoa(String.fromCharCode(...mac));
}

function parsed(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const isString = (value: unknown): value is string => typeof value === "string";

function fake(
  kind: BotKind,
  check: (request: Request, body: Record<string, unknown> | undefined, text: string) => Promise<string | undefined>,
  answers: Record<BotMode | "bad-signature" | "bad-request", () => Response>,
  badSignature: (why: string) => boolean,
): FakeBot {
  const bot: FakeBot = {
    kind,
    url: BOT_URLS[kind],
    mode: "ok",
    received: [],
    refusals: [],
    async answer(request) {
      const text = await request.text();
      const body = parsed(text);
      const problem = await check(request, body, text);
      if (problem !== undefined) {
        bot.refusals.push(problem);
        return (badSignature(problem) ? answers["bad-signature"] : answers["bad-request"])();
      }
      bot.received.push(body as Record<string, unknown>);
      return answers[bot.mode]();
    },
  };
  return bot;
}

/** A Feishu custom bot; with `secret`, it checks the body's `timestamp` and `sign`. */
export function fakeFeishu(secret?: string, now: () => number = Date.now): FakeBot {
  return fake(
    "feishu",
    async (request, body, text) => {
      if (request.method !== "POST") return "not a POST";
      if (new TextEncoder().encode(text).byteLength > FEISHU_MAX_BODY_BYTES) return "body over 20 KB";
      if (body === undefined) return "body is not a JSON object";
      if (secret !== undefined) {
        const { timestamp, sign } = body;
        if (!isString(timestamp) || !/^\d+$/.test(timestamp) || !isString(sign)) return "signature missing";
        if (Math.abs(Number(timestamp) * 1000 - now()) > HOUR_MS) return "signature timestamp out of range";
        if (sign !== (await hmacBase64(`${timestamp}\n${secret}`, ""))) return "signature mismatch";
      }
      if (body.msg_type !== "post") return "msg_type is not post";
      const post = (body.content as { post?: Record<string, unknown> } | undefined)?.post;
      const languages = Object.keys(post ?? {});
      if (languages.length !== 1 || !["zh_cn", "en_us"].includes(languages[0] ?? "")) return "post needs one language";
      const { title, content } = (post?.[languages[0] as string] ?? {}) as { title?: unknown; content?: unknown };
      if (!isString(title) || !Array.isArray(content)) return "post needs a title and content";
      for (const paragraph of content) {
        if (!Array.isArray(paragraph)) return "a post paragraph is not an array";
        for (const element of paragraph as Record<string, unknown>[]) {
          if (element.tag === "text" && isString(element.text)) continue;
          if (element.tag === "a" && isString(element.text) && isString(element.href)) continue;
          return `unexpected post element ${JSON.stringify(element.tag)}`;
        }
      }
      return undefined;
    },
    {
      ok: () => json({ code: 0, msg: "success", data: {} }),
      "rate-limited": () => json({ code: 11232, msg: "frequency limited psm[lark.oapi.app_platform_runtime]" }),
      refused: () => json({ code: 19024, msg: "Key Words Not Found" }),
      "server-error": () => new Response("upstream connect error", { status: 502 }),
      "bad-signature": () =>
        json({ code: 19021, msg: "sign match fail or timestamp is not within one hour from current time" }),
      "bad-request": () => json({ code: 9499, msg: "Bad Request" }, 400),
    },
    (why) => why.startsWith("signature"),
  );
}

/** A DingTalk custom robot; with `secret`, it checks the query's `timestamp` and `sign`. */
export function fakeDingtalk(secret?: string, now: () => number = Date.now): FakeBot {
  return fake(
    "dingtalk",
    async (request, body) => {
      if (request.method !== "POST") return "not a POST";
      // The robot reads its query as a form would: an unencoded `+` in `sign` arrives as a space.
      const query = new URLSearchParams(new URL(request.url).search);
      if (query.get("access_token") !== BOT_TOKENS.dingtalk) return "token is not exist";
      if (secret !== undefined) {
        const timestamp = query.get("timestamp");
        const sign = query.get("sign");
        if (timestamp === null || !/^\d+$/.test(timestamp) || sign === null) return "signature missing";
        if (Math.abs(Number(timestamp) - now()) > HOUR_MS) return "signature timestamp out of range";
        if (sign !== (await hmacBase64(secret, `${timestamp}\n${secret}`))) return "signature mismatch";
      }
      if (body === undefined) return "body is not a JSON object";
      if (body.msgtype !== "markdown") return "msgtype is not markdown";
      if ("at" in body) return "the at object mentions people";
      const markdown = body.markdown as { title?: unknown; text?: unknown } | undefined;
      if (!isString(markdown?.title) || !isString(markdown?.text)) return "markdown needs a title and text";
      return undefined;
    },
    {
      ok: () => json({ errcode: 0, errmsg: "ok" }),
      "rate-limited": () => json({ errcode: 130101, errmsg: "send too fast, exceed 20 times per minute" }),
      refused: () => json({ errcode: 310000, errmsg: "keywords not in content" }),
      "server-error": () => new Response("Service Unavailable", { status: 503 }),
      "bad-signature": () => json({ errcode: 310000, errmsg: "sign not match" }),
      "bad-request": () => json({ errcode: 40035, errmsg: "缺少参数 json" }),
    },
    (why) => why.startsWith("signature"),
  );
}

/** A WeCom group robot. */
export function fakeWecom(): FakeBot {
  return fake(
    "wecom",
    async (request, body) => {
      if (request.method !== "POST") return "not a POST";
      if (new URL(request.url).searchParams.get("key") !== BOT_TOKENS.wecom) return "invalid webhook url";
      if (body === undefined) return "body is not a JSON object";
      if (body.msgtype !== "markdown") return "msgtype is not markdown";
      const content = (body.markdown as { content?: unknown } | undefined)?.content;
      if (!isString(content)) return "markdown needs content";
      if (new TextEncoder().encode(content).byteLength > WECOM_MAX_CONTENT_BYTES) return "content over 4096 bytes";
      if ("mentioned_list" in (body.markdown as object) || "mentioned_mobile_list" in (body.markdown as object)) {
        return "mentions people";
      }
      return undefined;
    },
    {
      ok: () => json({ errcode: 0, errmsg: "ok" }),
      "rate-limited": () => json({ errcode: 45009, errmsg: "api freq out of limit" }),
      refused: () => json({ errcode: 93000, errmsg: "invalid webhook url, hint: [1700000000_1_abc]" }),
      "server-error": () => new Response("<html>502 Bad Gateway</html>", { status: 502 }),
      "bad-signature": () => json({ errcode: 93000, errmsg: "invalid webhook url" }),
      "bad-request": () => json({ errcode: 40058, errmsg: "markdown.content exceed max length 4096" }),
    },
    (why) => why === "invalid webhook url",
  );
}

/** A Slack incoming webhook. */
export function fakeSlack(): FakeBot {
  return fake(
    "slack",
    async (request, body) => {
      if (request.method !== "POST") return "not a POST";
      if (body === undefined) return "body is not a JSON object";
      if (!isString(body.text) || body.text === "") return "text is required";
      if (!Array.isArray(body.blocks) || body.blocks.length > SLACK_MAX_BLOCKS) return "invalid_blocks";
      for (const block of body.blocks as { type?: unknown; text?: { type?: unknown; text?: unknown } }[]) {
        const text = block.text?.text;
        if (!isString(text)) return "invalid_blocks";
        if (block.type === "header" && (block.text?.type !== "plain_text" || text.length > 150))
          return "invalid_blocks";
        if (block.type === "section" && text.length > 3000) return "invalid_blocks";
      }
      return undefined;
    },
    {
      ok: () => new Response("ok", { status: 200 }),
      "rate-limited": () => new Response("rate_limited", { status: 429, headers: { "retry-after": "30" } }),
      refused: () => new Response("no_service", { status: 404 }),
      "server-error": () => new Response("internal_error", { status: 500 }),
      "bad-signature": () => new Response("invalid_token", { status: 403 }),
      "bad-request": () => new Response("invalid_blocks", { status: 400 }),
    },
    () => false,
  );
}

/** One answer function for `mockFetch` that hands each request to the fake whose URL it was sent to. */
export function answerBots(...bots: FakeBot[]): (request: Request) => Promise<Response> {
  return (request) => {
    const url = new URL(request.url);
    const bot = bots.find((candidate) => {
      const own = new URL(candidate.url);
      return own.origin === url.origin && own.pathname === url.pathname;
    });
    return bot === undefined ? Promise.resolve(new Response("no such bot", { status: 404 })) : bot.answer(request);
  };
}

/** The four kinds, a chat target of each on its fake's URL, and each fake (Feishu and DingTalk check `now`). */
export const BOT_KINDS: readonly BotKind[] = ["feishu", "dingtalk", "wecom", "slack"];

export const BOT_TARGETS: Readonly<Record<BotKind, ChatTarget>> = {
  feishu: { id: "fs", kind: "feishu", url: BOT_URLS.feishu, secret: BOT_SECRETS.feishu },
  dingtalk: { id: "dt", kind: "dingtalk", url: BOT_URLS.dingtalk, secret: BOT_SECRETS.dingtalk },
  wecom: { id: "wc", kind: "wecom", url: BOT_URLS.wecom },
  slack: { id: "sl", kind: "slack", url: BOT_URLS.slack },
};

export const BOT_FAKES: Readonly<Record<BotKind, (now: () => number) => FakeBot>> = {
  feishu: (now) => fakeFeishu(BOT_SECRETS.feishu, now),
  dingtalk: (now) => fakeDingtalk(BOT_SECRETS.dingtalk, now),
  wecom: () => fakeWecom(),
  slack: () => fakeSlack(),
};
