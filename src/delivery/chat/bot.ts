import type { ChatTarget } from "../../config/targets-schema";
import type { ChatAnswer } from "./answer";
import type { ChatContent } from "./content";

/** What one chat message is on the wire. The URL is the target's, signed when the chat signs in the query. */
interface ChatRequest {
  url: string;
  body: string;
}

/** One chat's bot: how a message is written and signed, and what its answers mean. */
export interface ChatBot {
  request(target: ChatTarget, content: ChatContent, now: number): Promise<ChatRequest>;
  answer(status: number, text: string | undefined): ChatAnswer;
}

/** A labelled line as the locale writes it: `会议号：530812452`, `Meeting code: 530812452`. */
export function lineText(line: { label?: string; value: string }, locale: ChatTarget["locale"]): string {
  if (line.label === undefined) return line.value;
  return locale === "en" ? `${line.label}: ${line.value}` : `${line.label}：${line.value}`;
}
