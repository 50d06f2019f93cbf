import type { ChatTarget } from "../../config/targets-schema";
import type { RelayEvent } from "../../core/cloud-event";
import { fileLinks, shown } from "./event-fields";
import { cutChars, oneLine } from "./fit";
import { formatTime } from "./format-time";
import { LABELS, type Labels, platformName } from "./labels";
import { renderTemplate, templateFor } from "./template";
import { genericHeadline, headline } from "./wording";

/** A line of the message: plain text, with the relay's own label in front when it has one. */
interface ChatLine {
  label?: string;
  value: string;
}

/** A link the relay built from an https file URL; its label is the relay's own words. */
interface ChatLink {
  label: string;
  url: string;
}

/**
 * One event as a chat message, before any chat's format: every string is plain text, still to be
 * escaped for the chat it goes to. Only `links` become links.
 */
export interface ChatContent {
  title: string;
  lines: ChatLine[];
  links: ChatLink[];
}

/** Provider values are cut to this many characters first; each chat then fits the whole to its limits. */
const MAX_VALUE_CHARS = 300;
/** Links listed at most; the rest are counted in one line. */
const MAX_LINKS = 10;

/**
 * What the message says: a headline (built-in words for the type in the target's locale, or the
 * target's template), the meeting's title, code and id, the participant, the time with its zone and
 * the platform, then links to the recording, transcript or minutes files the platform sent.
 */
export function chatContent(event: RelayEvent, target: Pick<ChatTarget, "locale" | "templates">): ChatContent {
  const locale = target.locale ?? "zh-CN";
  const words = LABELS[locale];
  const value = (path: string) => {
    const found = shown(event.data, path);
    return found === undefined ? undefined : cutChars(oneLine(found), MAX_VALUE_CHARS);
  };
  const subject = value("meeting.subject");
  const participant = value("participant.name");
  const platform = platformName(event.provider, locale);
  const { links, more } = linksOf(event, words);
  const built = headline(event.type, locale, {
    subject,
    participant,
    target: value("target") ?? value("target.id"),
  });
  const fallbackTitle =
    built?.text ?? genericHeadline(platform, cutChars(oneLine(event.type), MAX_VALUE_CHARS), locale);

  const template = templateFor(target.templates, event.type);
  if (template !== undefined) {
    const written = renderTemplate(template, event)
      .split(/\r\n|\r|\n/)
      .map((line) => oneLine(line))
      .filter((line) => line !== "");
    const [first, ...rest] = written;
    if (first !== undefined) {
      return { title: first, lines: [...rest.map((line) => ({ value: line })), ...more], links };
    }
  }

  const lines: ChatLine[] = [];
  const add = (label: string, text: string | undefined) => {
    if (text !== undefined) lines.push({ label, value: text });
  };
  if (!built?.namesMeeting) add(words.meeting, subject);
  add(words.code, value("meeting.code"));
  add(words.id, value("meeting.id"));
  add(words.participant, participant);
  add(words.task, value("task.id"));
  add(words.progress, value("task.progress"));
  add(words.reason, value("reason") ?? value("task.reason"));
  if (event.provider === "relay") add(words.replayed, value("replayed"));
  add(words.event, value("event.id") ?? value("eventId"));
  add(words.time, formatTime(event.time, locale));
  add(words.platform, platform);
  return { title: fallbackTitle, lines: [...lines, ...more], links };
}

/** The file links, labelled by what the event announces, and a line saying how many were left out. */
function linksOf(event: RelayEvent, words: Labels): { links: ChatLink[]; more: ChatLine[] } {
  const files = fileLinks(event.data);
  const kind = event.type.startsWith("transcript.")
    ? words.transcript
    : event.type.startsWith("summary.")
      ? words.summary
      : event.type.includes("recording.")
        ? words.recording
        : words.file;
  const links = files.slice(0, MAX_LINKS).map((file, index) => ({
    label: `${kind} ${index + 1}${file.lang === undefined ? "" : ` (${file.lang})`}`,
    url: file.url,
  }));
  const left = files.length - links.length;
  return { links, more: left > 0 ? [{ value: `+${left} ${words.more}` }] : [] };
}
