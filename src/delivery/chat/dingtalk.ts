import { encodeBase64 } from "../../lib/bytes";
import { hmacSha256 } from "../../lib/crypto";
import { answerJson, classifyCode, numberField, textField } from "./answer";
import { type ChatBot, lineText } from "./bot";
import type { ChatContent } from "./content";
import { markdownText, markdownUrl, plainTitle } from "./escape";
import { cutChars, fitted, utf8Bytes } from "./fit";

/**
 * DingTalk publishes no size for a custom robot's markdown; its app robots take 15,000 bytes a
 * message. The relay keeps a message's text under this, far inside both.
 */
const DINGTALK_TEXT_BYTES = 5_000;
/** The title is the preview in the chat list. */
const DINGTALK_TITLE_CHARS = 64;

/**
 * 310000: the signature or its timestamp is wrong, the message lacks the robot's keyword, or the
 * relay's IP is not allowed; 300001: the robot's access token does not exist (removed). 130101 (or
 * "send too fast") is the rate limit, after which the robot is blocked for 10 minutes.
 * https://open.dingtalk.com/document/orgapp/custom-robot-access
 */
const REFUSED = [310000, 300001];
const RATE_LIMITED = 130101;

/**
 * DingTalk custom robots: `markdown` with every value escaped; never the `at` object, so nobody is
 * mentioned. When the robot signs, `timestamp` (ms) and `sign` go in the query.
 */
export const dingtalk: ChatBot = {
  async request(target, content, now) {
    const url =
      target.kind === "dingtalk" && target.secret ? await signedUrl(target.url, target.secret, now) : target.url;
    const body = fitted(
      content,
      (fit) => ({ title: plainTitle(cutChars(fit.title, DINGTALK_TITLE_CHARS)), text: text(fit, target.locale) }),
      (markdown) => utf8Bytes(markdown.text),
      DINGTALK_TEXT_BYTES,
    );
    return { url, body: JSON.stringify({ msgtype: "markdown", markdown: body }) };
  },
  answer(status, text) {
    const json = answerJson(text);
    return classifyCode(status, {
      bot: "dingtalk",
      code: numberField(json?.errcode),
      message: textField(json?.errmsg),
      rateLimited: (code, message) => code === RATE_LIMITED || (message ?? "").includes("send too fast"),
      refused: REFUSED,
    });
  },
};

/** DingTalk starts a new line only at a blank line. */
function text(content: ChatContent, locale: "zh-CN" | "en" | undefined): string {
  return [
    `#### ${markdownText(content.title)}`,
    ...content.lines.map((line) => markdownText(lineText(line, locale))),
    ...content.links.map((link) => `[${markdownText(link.label)}](${markdownUrl(link.url)})`),
  ].join("\n\n");
}

/** `timestamp` (ms) and `sign` = URL-encoded base64(HMAC-SHA256 keyed with the secret, over `timestamp + "\n" + secret`). */
async function signedUrl(url: string, secret: string, now: number): Promise<string> {
  const timestamp = String(now);
  const sign = encodeBase64(new Uint8Array(await hmacSha256(secret, `${timestamp}\n${secret}`)));
  return `${url}${url.includes("?") ? "&" : "?"}timestamp=${timestamp}&sign=${encodeURIComponent(sign)}`;
}
