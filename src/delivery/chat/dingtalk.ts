import { encodeBase64 } from "../../lib/bytes";
import { hmacSha256 } from "../../lib/crypto";
import { answerJson, botError, classifyCode, numberField, textField } from "./answer";
import { type ChatBot, lineText } from "./bot";
import type { ChatContent } from "./content";
import { markdownText, markdownUrl, plainTitle } from "./escape";
import { escapedWithin, fitted, utf8Bytes } from "./fit";

/**
 * DingTalk publishes no size for a custom robot's markdown; its app robots take 15,000 bytes a
 * message. The relay keeps a message's text under this, far inside both.
 */
const DINGTALK_TEXT_BYTES = 5_000;
/** The title is the preview in the chat list. */
const DINGTALK_TITLE_CHARS = 64;

/**
 * Answers that mean every message will be refused until someone fixes the robot: 310000 (the
 * signature or its timestamp is wrong, the message lacks the robot's keyword, or the relay's IP is
 * not allowed); the robot's access token does not exist (400101, and 300001 / 300005 as older
 * robots answer); the robot was stopped (400102) or removed (400106); the group was dissolved (400013).
 * The rate limit, after which the robot is blocked for 10 minutes, is 410100 (发送速度太快而限流),
 * or 130101 / "send too fast" as older robots answer.
 * https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages
 */
const REFUSED = [310000, 300001, 300005, 400013, 400101, 400102, 400106];
const RATE_LIMITED = [410100, 130101];
/** How long DingTalk blocks a robot that sent too fast: tried again once the block is over. */
const BLOCKED_SECONDS = 600;

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
      // The title is cut as sent: the zero-width spaces that defuse it count too.
      (fit) => ({ title: escapedWithin(fit.title, plainTitle, DINGTALK_TITLE_CHARS), text: text(fit, target.locale) }),
      (markdown) => utf8Bytes(markdown.text),
      DINGTALK_TEXT_BYTES,
    );
    return { url, body: JSON.stringify({ msgtype: "markdown", markdown: body }) };
  },
  answer(status, text) {
    const json = answerJson(text);
    // DingTalk's IP throttle answers without an errcode: `{"status":1111,"wait":5,"punish":"deny",…}`,
    // the caller blocked for `wait` minutes (5, as documented).
    // https://open.dingtalk.com/document/development/how-to-process-api-throttling-on-the-dingtalk-server
    if (json?.punish !== undefined) {
      const wait = numberField(json.wait) ?? 5;
      const said = `punish ${textField(json.punish)}, wait ${wait} min`;
      return {
        outcome: "rate-limited",
        error: botError("dingtalk", status, numberField(json.status), said),
        waitSeconds: wait * 60,
      };
    }
    const answer = classifyCode(status, {
      bot: "dingtalk",
      code: numberField(json?.errcode),
      message: textField(json?.errmsg),
      rateLimited: (code, message) =>
        (code !== undefined && RATE_LIMITED.includes(code)) || (message ?? "").includes("send too fast"),
      refused: REFUSED,
    });
    return answer.outcome === "rate-limited" ? { ...answer, waitSeconds: BLOCKED_SECONDS } : answer;
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

/**
 * `timestamp` (ms) and `sign` = URL-encoded base64(HMAC-SHA256 keyed with the secret, over
 * `timestamp + "\n" + secret`), set in the query: a `timestamp` and `sign` already in the target's URL
 * (copied from a script that signed it once) are replaced, not sent twice, and a fragment, which is
 * never sent, cannot swallow them.
 */
async function signedUrl(url: string, secret: string, now: number): Promise<string> {
  const timestamp = String(now);
  const sign = encodeBase64(new Uint8Array(await hmacSha256(secret, `${timestamp}\n${secret}`)));
  const signed = new URL(url);
  signed.hash = "";
  signed.searchParams.set("timestamp", timestamp);
  signed.searchParams.set("sign", sign);
  return signed.href;
}
