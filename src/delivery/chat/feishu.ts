import { encodeBase64, encodeUtf8 } from "../../lib/bytes";
import { answerJson, classifyCode, numberField, textField } from "./answer";
import { type ChatBot, lineText } from "./bot";
import type { ChatContent } from "./content";
import { feishuText } from "./escape";
import { fitted, utf8Bytes } from "./fit";

/** A custom bot's request body may be at most 20 KB; this leaves room to spare. */
const FEISHU_BODY_BYTES = 19_000;

/**
 * Codes that mean every message will be refused until an operator acts: the bot's access token is
 * invalid (19001), the signature or its timestamp is wrong (19021), the relay's IP is not allowed
 * (19022), the message lacks the bot's keyword (19024). 11232 is Feishu's rate limit.
 * https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
 */
const REFUSED = [19001, 19021, 19022, 19024];
const RATE_LIMITED = 11232;

/**
 * Feishu (and Lark) custom bots: a `post` (rich text) in the target's language, `text` elements for
 * everything the platform sent and `a` elements only for the relay's file links. When the bot signs,
 * `timestamp` (seconds) and `sign` go in the body.
 */
export const feishu: ChatBot = {
  async request(target, content, now) {
    const signed = target.kind === "feishu" && target.secret ? await feishuSignature(target.secret, now) : {};
    const language = target.locale === "en" ? "en_us" : "zh_cn";
    const body = fitted(
      content,
      (fit) =>
        JSON.stringify({ ...signed, msg_type: "post", content: { post: { [language]: post(fit, target.locale) } } }),
      utf8Bytes,
      FEISHU_BODY_BYTES,
    );
    return { url: target.url, body };
  },
  answer(status, text) {
    const json = answerJson(text);
    const code = numberField(json?.code) ?? numberField(json?.StatusCode);
    const message = textField(json?.msg) ?? textField(json?.StatusMessage);
    return classifyCode(status, {
      bot: "feishu",
      code,
      message,
      rateLimited: (answered) => answered === RATE_LIMITED,
      refused: REFUSED,
    });
  },
};

function post(content: ChatContent, locale: "zh-CN" | "en" | undefined) {
  return {
    title: feishuText(content.title),
    content: [
      ...content.lines.map((line) => [{ tag: "text", text: feishuText(lineText(line, locale)) }]),
      ...content.links.map((link) => [{ tag: "a", text: feishuText(link.label), href: link.url }]),
    ],
  };
}

/**
 * `sign` = base64(HMAC-SHA256 keyed with `timestamp + "\n" + secret`, over an empty message). The key
 * changes every second, so it is imported for each message, never cached.
 */
async function feishuSignature(secret: string, now: number): Promise<{ timestamp: string; sign: string }> {
  const timestamp = String(Math.floor(now / 1000));
  const key = await crypto.subtle.importKey(
    "raw",
    encodeUtf8(`${timestamp}\n${secret}`),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sign = encodeBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, new Uint8Array())));
  return { timestamp, sign };
}
