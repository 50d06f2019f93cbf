import { sha256Hex } from "../../lib/crypto";
import { cutText } from "../../lib/cut-text";
import { isRecord } from "../../lib/json";
import { text } from "../text-field";
import { type Checked, reject } from "../types";

/**
 * The longest event name kept as sent, in UTF-16 code units. Tencent's names are under 40 characters
 * (`meeting.participant-joined-waiting-room`, `recording.completed`); every item's event
 * repeats the name twice (`type` and `providerevent`), so a signed callback with a 150,000-character
 * name and thousands of items would otherwise make gigabytes of events.
 */
const EVENT_NAME_CHARS = 200;
/** How much of a longer name is kept, before `…` and 16 hex digits of its SHA-256: 200 characters in all. */
const EVENT_NAME_KEPT = EVENT_NAME_CHARS - 17;

/** A decoded event callback; `sequence` is what its event ids derive from. */
export interface TencentMeetingCallback {
  event: string;
  /** Same on every retry of this callback (see {@link callbackOf}). */
  sequence: string;
  payload: unknown[];
}

/**
 * Checks the decoded callback's shape (an event name is all it must have) and picks its sequence. The 2020 format carries
 * `unique_sequence`; today's carries `trace_id` ("事件的唯一序列值", e.g.
 * https://cloud.tencent.com/document/product/1095/51620). When neither is there, the SHA-256
 * of the signed `data` string stands in: Tencent resends the same `data` on a retry, and a
 * correctly signed callback must never be refused (Tencent gives up after three retries).
 */
export async function callbackOf(decoded: unknown, signedData: string): Promise<Checked<TencentMeetingCallback>> {
  if (!isRecord(decoded)) return reject(400, "decoded data is not a JSON object");
  const { event, payload } = decoded;
  if (typeof event !== "string" || event === "") return reject(400, "decoded data has no event");
  const sequence =
    sequenceText(decoded.unique_sequence) ?? sequenceText(decoded.trace_id) ?? (await sha256Hex(signedData));
  // `payload` is an array of items; a single item sent bare, or none at all, is still one event (its name
  // says what happened), never a refusal. An empty array carries no item, and so no event.
  const items = Array.isArray(payload) ? payload : [payload ?? null];
  // An over-long name is no real event, but the callback is signed: it is cut, never refused. The cut keeps the
  // beginning (so `tencent-meeting/<prefix>*` still matches) and a hash (so two long names stay apart).
  const name = await cutText(event, EVENT_NAME_CHARS, EVENT_NAME_KEPT);
  return { ok: true, value: { event: name, sequence, payload: items } };
}

/**
 * A sequence as text. A JSON number is used only while it is an exact integer: one past 2^53 has lost
 * its last digits in parsing, so two callbacks would share an id and the second be dropped as a repeat.
 */
function sequenceText(value: unknown): string | undefined {
  return typeof value === "number" && !Number.isSafeInteger(value) ? undefined : text(value);
}
