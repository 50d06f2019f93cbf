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
/** Queues: how long a message is kept (the default retention, 4 days); then it is deleted, without a dead letter. */
export const QUEUE_RETENTION_SECONDS = 4 * 24 * 3600;

/** KV: keys in one bulk `get`. */
export const KV_BULK_GET_KEYS = 100;
/** KV: keys one `list` call returns at most. */
export const KV_LIST_KEYS = 1000;
/** KV: the shortest `expirationTtl` a write may ask for, in seconds. */
export const KV_MIN_TTL_SECONDS = 60;
/** KV: the longest `expirationTtl` (a key meant to last longer cannot be written at all). */
export const KV_MAX_TTL_SECONDS = 2_147_483_647;

/** Workers: outbound connections one invocation has open at once (a further fetch waits, unsent). */
export const OPEN_CONNECTIONS = 6;

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
/**
 * Queues' own metadata in each message ("up to ~100 bytes"), counted against the message and the batch
 * limits; the relay reserves a little more.
 */
const QUEUE_MESSAGE_ENVELOPE_BYTES = 150;
/** What the relay puts in one `sendBatch`: the limit less room for the envelopes of a full batch. */
export const BATCH_BYTES_BUDGET = QUEUE_BATCH_BYTES - QUEUE_BATCH_MESSAGES * QUEUE_MESSAGE_ENVELOPE_BYTES;

/**
 * What one target a fan-out message attempts itself can cost, at worst, in operations. The worst is a
 * chat bot that refuses for good (as a 410 does) an event that was spilled to KV, while an operator
 * resumes the target: every step below, once.
 */
const INLINE_TARGET_STEPS = {
  /** A chat target asks its rate limiter (a Durable Object) for a send slot. */
  sendSlot: 1,
  /** The attempt: one outbound fetch. */
  send: 1,
  /** The refusal pauses the target: its pause read (one already there is kept as it is), then written. */
  pause: 2,
  /** The delivery is kept whole: a spilled event is read back from KV first… */
  wholeEvent: 1,
  /** …and kept as a dead letter: a KV write. */
  keptLetter: 1,
  /** The pause is read again once the letter is written, so a resume meanwhile misses nothing… */
  pauseRecheck: 1,
  /** …and, resumed, the delivery is queued again at once; when the queue refuses that, the letter is taken back: claimed in D1, then deleted. */
  requeue: 3,
  /** The event log: the target's health row, one statement of the invocation's D1 batch… */
  healthRow: 1,
  /** …and the attempt's row (nine share a statement; counted whole, which errs high). */
  attemptRow: 1,
} as const;

/**
 * What a fan-out message costs whatever its targets, at worst: its own steps, and its batch's, all
 * charged to it as in a batch of one message. A step done once per 100 targets (a bulk read, a `sendBatch`)
 * is counted once: each 100 targets a document lists past the first adds one more of each, which
 * {@link MAX_TARGETS} bounds.
 */
const FAN_OUT_MESSAGE_STEPS = {
  /** The batch: the targets document (cached per isolate). */
  targetsDocument: 1,
  /** The batch: the pause state of the document's targets, one bulk read. */
  pauseState: 1,
  /** The batch: the ops targets kept for `relay.config.invalid`, read and written when they change. */
  opsTargets: 2,
  /** The batch: its events looked up for dedup, and the targets already served, one bulk read. */
  dedupRead: 1,
  /** The batch: the relay's own events it raised (pauses, deliveries given up), one `sendBatch`. */
  relayEvents: 1,
  /** The batch: the event's row in the event log. */
  eventRow: 1,
  /** The event read back from KV for the attempts when it was spilled, or spilled when it is large. */
  spilledEvent: 1,
  /** The paused targets' pauses read again, in bulk, before their deliveries are kept. */
  heldPauses: 1,
  /** The retries and the targets handed on, one `sendBatch`. */
  retries: 1,
  /** The dedup marker, or (when the fan-out must run again) which targets already have the event. */
  marker: 1,
} as const;

const sum = (steps: Readonly<Record<string, number>>) => Object.values(steps).reduce((total, cost) => total + cost, 0);

/** The most one inline target can cost (see {@link INLINE_TARGET_STEPS}). */
const INLINE_TARGET_OPERATIONS = sum(INLINE_TARGET_STEPS);
/** The most a fan-out message costs before its inline targets (see {@link FAN_OUT_MESSAGE_STEPS}). */
const FAN_OUT_MESSAGE_OPERATIONS = sum(FAN_OUT_MESSAGE_STEPS);

/**
 * Targets one fan-out message attempts (or keeps) itself: as many as fit MESSAGE_OPERATION_BUDGET
 * each at its worst, whatever they answer; further matching targets are handed to the retry
 * consumer, one message each, in one `sendBatch` per 100 (a document lists at most {@link MAX_TARGETS}).
 */
export const INLINE_TARGETS_PER_EVENT = Math.floor(
  (MESSAGE_OPERATION_BUDGET - FAN_OUT_MESSAGE_OPERATIONS) / INLINE_TARGET_OPERATIONS,
);

/**
 * Targets one document may list. A fan-out message reads the pause state of every target of the
 * document (one bulk read per 100) and queues the targets it does not attempt itself (one `sendBatch`
 * per 100), so each 100 targets past the first costs it two operations more: a document lists as many
 * as the operations {@link INLINE_TARGETS_PER_EVENT} leaves over allow, and never so many that one
 * event's fan-out outgrows its share of an invocation.
 */
export const MAX_TARGETS =
  KV_BULK_GET_KEYS *
  (1 +
    Math.floor(
      (MESSAGE_OPERATION_BUDGET - FAN_OUT_MESSAGE_OPERATIONS - INLINE_TARGETS_PER_EVENT * INLINE_TARGET_OPERATIONS) / 2,
    ));
