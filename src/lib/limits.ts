/**
 * Cloudflare's production limits that a code path of the relay can reach, written once.
 * `wrangler dev` enforces almost none of them; the test doubles in `test/support/production/`
 * enforce every one with their own copy of the published values (a double asked for more throws,
 * as production does), so a path that passes the suite fits production too. The relay's own budgets (how much of a limit one
 * request or one consumer message may use) sit below the limits they respect.
 *
 * Sources: https://developers.cloudflare.com/queues/platform/limits/,
 * https://developers.cloudflare.com/kv/platform/limits/, https://developers.cloudflare.com/d1/platform/limits/,
 * https://developers.cloudflare.com/workers/platform/limits/
 */

/** Queues: one message's body, as UTF-8 JSON (`contentType: "json"`). */
const QUEUE_MESSAGE_BYTES = 128_000;
/** Queues: messages in one `sendBatch`. */
export const QUEUE_BATCH_MESSAGES = 100;
/** Queues: the bodies of one `sendBatch` together. */
const QUEUE_BATCH_BYTES = 256_000;
/** Queues: the longest `delaySeconds` a send or a retry may ask for (12 h). */
export const QUEUE_MAX_DELAY_SECONDS = 43_200;

/** KV: keys in one bulk `get`. */
export const KV_BULK_GET_KEYS = 100;
/** KV: keys one `list` call returns at most. */
export const KV_LIST_KEYS = 1000;

/** D1: bound parameters of one statement. */
export const D1_BOUND_PARAMETERS = 100;
/** D1: a `GLOB` or `LIKE` pattern, in bytes (SQLite's LIKE_PATTERN_LENGTH as D1 sets it). */
export const D1_PATTERN_BYTES = 50;

/**
 * Operations on other services (outbound fetch, KV, D1, Queues) one invocation may make on the Free
 * plan (1,000 on Paid; KV and D1 count their own operations against limits of the same order).
 */
const FREE_OPERATIONS_PER_INVOCATION = 50;

/**
 * The relay's budgets. A request (ingest or admin) makes at most this many operations, so it runs
 * on the Free plan; work that could need more pages (`{"remaining": true}`).
 */
export const REQUEST_OPERATION_BUDGET = FREE_OPERATIONS_PER_INVOCATION;
/** A consumer invocation makes at most this many operations per message of its batch. */
export const MESSAGE_OPERATION_BUDGET = FREE_OPERATIONS_PER_INVOCATION;

/** What the relay puts in one queue message: the limit less room for Queues' own envelope. */
export const MESSAGE_BYTES_BUDGET = QUEUE_MESSAGE_BYTES - 8_000;
/** What the relay puts in one `sendBatch`: the limit less room for Queues' own envelope. */
export const BATCH_BYTES_BUDGET = QUEUE_BATCH_BYTES - 6_000;

/**
 * Targets one fan-out message attempts (or keeps) itself; further matching targets are handed to
 * the retry consumer, one message each, in one `sendBatch` per 100. An inline target can cost three
 * operations (the attempt, a pause, a kept letter), so ten fit MESSAGE_OPERATION_BUDGET with the
 * event's own reads and writes, however many targets a document lists.
 */
export const INLINE_TARGETS_PER_EVENT = 10;
