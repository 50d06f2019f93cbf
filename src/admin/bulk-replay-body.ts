import * as v from "valibot";
import { RelayError } from "../core/errors";
import { DEAD_LETTER_REASONS, type LetterFilter, TARGET_FILTER_PATTERN } from "../delivery/dead-letters/store";
import { parseJson } from "../lib/json";
import { onCalendar } from "./params";

/** A filter is a few dozen bytes; anything near this is not one. */
export const MAX_BULK_REPLAY_BODY_BYTES = 1024;

const FIELDS = ["target", "reason", "since"] as const;
/** ISO 8601 date and time with its zone (`Z` or `+08:00`), as `lastAttemptAt` is compared with it. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
const SINCE = "since must be an ISO 8601 time with its zone, such as 2026-11-25T08:00:00Z";
const EXAMPLE = '{"target": "crm", "reason": "failed", "since": "2026-11-25T08:00:00Z"}';

/** The body of `POST /admin/dead-letters/replay`: every field optional, none other allowed. */
export const BulkReplayBody = v.strictObject(
  {
    target: v.optional(
      v.pipe(
        v.string("target must be a string"),
        v.regex(TARGET_FILTER_PATTERN, "target must be a target id (1 to 64 of a-z, 0-9, _ and -) or *"),
      ),
    ),
    reason: v.optional(v.picklist(DEAD_LETTER_REASONS, `reason must be one of ${DEAD_LETTER_REASONS.join(", ")}`)),
    since: v.optional(
      v.pipe(
        v.string(SINCE),
        v.check(
          (text) => ISO_TIME.test(text) && onCalendar(text) && !Number.isNaN(Date.parse(text.toUpperCase())),
          SINCE,
        ),
      ),
    ),
  },
  (issue) =>
    issue.expected === "never"
      ? `unknown field ${issue.received} (allowed: ${FIELDS.join(", ")})`
      : `the body must be a JSON object such as ${EXAMPLE}, or empty`,
);

/** Which letters to replay: under one target's prefix (or all), with a reason and a time, if given. */
interface BulkReplayFilter extends LetterFilter {
  target?: string | undefined;
}

/** The filter a request body asks for (an empty body: every dead letter), or a 400 naming the field. */
export function bulkReplayFilter(text: string): BulkReplayFilter {
  if (text.trim() === "") return {};
  const json = parseJson(text);
  if (!json.ok) throw new RelayError(400, "invalid_json", `request body is not valid JSON: ${json.error}`);
  // valibot takes an array for an object; say what was meant instead of listing its indexes as fields.
  const parsed = v.safeParse(BulkReplayBody, Array.isArray(json.value) ? null : json.value);
  if (!parsed.success)
    throw new RelayError(400, "invalid_body", parsed.issues.map((issue) => issue.message).join("; "));
  const { target, reason, since } = parsed.output;
  return { target, reason, since: since === undefined ? undefined : Date.parse(since.toUpperCase()) };
}
