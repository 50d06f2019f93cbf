import { cutChars, oneLine } from "./fit";

/** What a bot's answer means for the delivery. `error` carries the bot's code and message, never the URL. */
export type ChatAnswer =
  | { outcome: "delivered" }
  /** Too fast for the bot: tried again in a minute or more (`waitSeconds`, when the bot blocks longer), not counted. */
  | { outcome: "rate-limited"; error: string; waitSeconds?: number }
  /** The bot will refuse every message until someone fixes it (secret, keyword, IP list, removed bot): pause. */
  | { outcome: "refused"; error: string }
  | { outcome: "failed"; error: string };

/** A bot's message is cut to this many characters in logs and the event log. */
const MAX_BOT_MESSAGE_CHARS = 200;

/** The bot's JSON answer, or `undefined` when it is not a JSON object. */
export function answerJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export const numberField = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;
export const textField = (value: unknown) => (typeof value === "string" ? value : undefined);

/** `feishu code 19021: sign match fail…`: what the attempt's log line and the event log say. */
export function botError(bot: string, status: number, code: number | string | undefined, message: string | undefined) {
  const said = message === undefined ? "" : `: ${cutChars(oneLine(message), MAX_BOT_MESSAGE_CHARS)}`;
  return code === undefined ? `${bot} HTTP ${status}${said}` : `${bot} code ${code} (HTTP ${status})${said}`;
}

interface BotCodes {
  bot: string;
  /** The answer's code and message, when it has them. */
  code: number | undefined;
  message: string | undefined;
  rateLimited: (code: number | undefined, message: string | undefined) => boolean;
  refused: readonly number[];
}

/** JSON bots (Feishu, DingTalk, WeCom): success is code 0 with a 2xx; then rate limits, refusals, the rest. */
export function classifyCode(status: number, { bot, code, message, rateLimited, refused }: BotCodes): ChatAnswer {
  const ok = status >= 200 && status < 300;
  if (ok && code === 0) return { outcome: "delivered" };
  const error = botError(bot, status, code, message);
  if (status === 429 || rateLimited(code, message)) return { outcome: "rate-limited", error };
  if (code !== undefined && refused.includes(code)) return { outcome: "refused", error };
  return { outcome: "failed", error };
}
