import { httpsUrl } from "../../providers/https-url";

/**
 * The value at a dotted path (`data.meeting.subject`, `data.recording.files.0.url`), following own
 * properties only: `constructor` or `__proto__` name nothing. Strings, finite numbers and booleans
 * come back as text; anything else (objects, arrays, null, missing) is `undefined`.
 */
export function textAt(root: unknown, path: string): string | undefined {
  let value: unknown = root;
  for (const key of path.split(".")) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  return undefined;
}

/** A value worth showing: present and not only spaces. */
export function shown(root: unknown, path: string): string | undefined {
  const value = textAt(root, path);
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** A file link the relay may make clickable: an https URL with a host, at most this long. */
const MAX_LINK_CHARS = 2000;

interface FileLink {
  url: string;
  /** The file's language, when it is a plain tag such as `zh` or `en-US` (`en_US` is written `en-US`). */
  lang?: string;
}

/**
 * The https links of `data.recording.files[]` (recordings, transcripts, minutes), in order. Any other
 * scheme, a URL with a user name or password, or one too long to be a link is left out.
 */
export function fileLinks(data: unknown): FileLink[] {
  const files = (data as { recording?: { files?: unknown } } | undefined)?.recording?.files;
  if (!Array.isArray(files)) return [];
  return files.flatMap((file: unknown): FileLink[] => {
    const url = httpsUrl(textAt(file, "url"));
    if (url === undefined || url.length > MAX_LINK_CHARS) return [];
    const parsed = new URL(url);
    if (parsed.username !== "" || parsed.password !== "") return [];
    // `zh_CN` as `zh-CN`: a `_` would be italics in Slack's mrkdwn link label, which has no escape for it.
    const lang = textAt(file, "lang")?.replace(/_/g, "-");
    return [lang !== undefined && /^[A-Za-z0-9-]{1,16}$/.test(lang) ? { url, lang } : { url }];
  });
}
