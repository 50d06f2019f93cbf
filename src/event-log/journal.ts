import type { RelayEvent } from "../core/cloud-event";
import { errorMessage } from "../core/errors";
import { log } from "../core/log";
import { type DeliveryState, stateBits, stateOf, targetPath } from "./deliveries";
import { healthStatements } from "./health";
import { insertRows, type Row } from "./sql";

/** What became of a delivery: the outcome written with each attempt, and what `?outcome=` filters on. */
export const OUTCOMES = ["delivered", "retry", "dead", "paused"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface AttemptRecord {
  event: RelayEvent;
  target: string;
  /** The attempt number; for a delivery given up or parked without an attempt, the attempts made before. */
  attempt: number;
  /** The target's HTTP status; null when no response came (or no attempt was made). */
  status: number | null;
  error: string | null;
  /** The first 1 KiB of a failed attempt's answer body, as text; null otherwise. */
  response?: string | null | undefined;
  /** null when no request was made. */
  durationMs: number | null;
  /** When (ms). */
  at: number;
  outcome: Outcome;
  /** Asked for by an operator (a redelivery or a test send), not part of the event's own delivery. */
  manual?: boolean | undefined;
}

/** A write that takes longer than this is abandoned (and logged) so the queue invocation can end. */
const WRITE_TIMEOUT_MS = 5_000;
/** Errors are cut to this many characters in the log. */
const MAX_ERROR_CHARS = 500;
/** The meeting's title and code are cut to these many characters. */
const MAX_TITLE_CHARS = 200;
const MAX_CODE_CHARS = 64;

/**
 * Gathers what one queue invocation did (events accepted, attempts made) and writes it to the
 * event log in one D1 `batch()` at the end. An event's row carries its deliveries' latest state,
 * so an event accepted and delivered at the first attempt in the same invocation is one row
 * (and one index entry) in all; `attempts` rows are written for everything else: retries,
 * failures, deliveries given up or parked, manual sends. The log is an aid, not the source of
 * truth: a failed write is logged and dropped, never thrown, and never touches the acks and
 * retries the consumer already decided.
 */
export class EventJournal {
  readonly #accepted = new Map<string, { event: RelayEvent; receivedAt: number }>();
  readonly #records: AttemptRecord[] = [];

  accepted(event: RelayEvent, receivedAt: number): void {
    if (!this.#accepted.has(event.id)) this.#accepted.set(event.id, { event, receivedAt });
  }

  attempt(record: AttemptRecord): void {
    this.#records.push(record);
  }

  /** A delivery given up or parked without a request: no status, no duration. */
  notAttempted(
    delivery: { event: RelayEvent; target: string },
    attemptsMade: number,
    error: string,
    outcome: Extract<Outcome, "dead" | "paused">,
  ): void {
    this.attempt({
      ...delivery,
      attempt: attemptsMade,
      status: null,
      error,
      durationMs: null,
      at: Date.now(),
      outcome,
    });
  }

  get size(): number {
    return this.#accepted.size + this.#records.length;
  }

  /**
   * One D1 batch with the events, attempts and the targets' health gathered, and nothing else:
   * refusal and credential counters write batches of their own, so their failure (a flood) can
   * never lose these rows. Never throws, whatever D1 does.
   */
  async flush(db: D1Database | undefined): Promise<void> {
    if (db === undefined) return;
    const accepted = new Map(this.#accepted);
    this.#accepted.clear();
    const records = this.#records.splice(0);
    const { eventRows, updates, attemptRows } = plan(accepted, records);
    let health: ReturnType<typeof healthStatements> | undefined;
    const written = await writeQuietly(
      () => {
        health = healthStatements(db, records);
        const statements = [
          ...insertRows(db, "INSERT INTO events", EVENT_COLUMNS, eventRows, ON_EVENT_CONFLICT),
          ...updates.map((update) =>
            db.prepare(UPDATE_DELIVERY).bind(update.path, JSON.stringify(update.patch), update.n, update.f, update.id),
          ),
          ...insertRows(db, "INSERT INTO attempts", ATTEMPT_COLUMNS, attemptRows),
          ...health.statements,
        ];
        return statements.length === 0 ? Promise.resolve() : db.batch(statements);
      },
      { events: eventRows.length, attempts: attemptRows.length },
    );
    if (written) health?.written();
  }
}

const EVENT_COLUMNS = [
  "id",
  "provider",
  "type",
  "subject",
  "source",
  "time",
  "received_at",
  "event",
  "title",
  "code",
  "deliveries",
  "state",
] as const;
const ATTEMPT_COLUMNS = [
  "event_id",
  "provider",
  "target",
  "attempt",
  "status",
  "error",
  "response",
  "duration_ms",
  "at",
  "outcome",
  "manual",
] as const;

/**
 * An event logged again (a fan-out run again, or given up by the dead-letter queue): its deliveries are
 * merged, target by target, the later run's fields replacing the earlier's, and the requests each run
 * made (`n`) and saw fail (`f`) added up, as the attempts' own rows and the target's health count them.
 */
const MERGED = `(SELECT json_group_object(m.key, json_set(m.value,
    '$.n', coalesce(o.value ->> 'n', 0) + coalesce(e.value ->> 'n', 0),
    '$.f', coalesce(o.value ->> 'f', 0) + coalesce(e.value ->> 'f', 0)))
  FROM json_each(json_patch(events.deliveries, excluded.deliveries)) AS m
  LEFT JOIN json_each(events.deliveries) AS o ON o.key = m.key
  LEFT JOIN json_each(excluded.deliveries) AS e ON e.key = m.key)`;
const ON_EVENT_CONFLICT = ` ON CONFLICT (id) DO UPDATE SET deliveries = ${MERGED}, state = ${stateOf(MERGED)}`;

/**
 * One delivery's attempts from a later invocation, applied to the event's row in place (one
 * statement, so two consumers updating two targets of one event never lose each other's update):
 * ?1 the target's path, ?2 the entry's new fields, ?3 requests made, ?4 requests failed, ?5 the id.
 */
const UPDATED = `json_set(deliveries, ?1, json_patch(coalesce(deliveries -> ?1, '{}'), ?2),
  ?1 || '.n', coalesce(deliveries ->> (?1 || '.n'), 0) + ?3,
  ?1 || '.f', coalesce(deliveries ->> (?1 || '.f'), 0) + ?4)`;
const UPDATE_DELIVERY = `UPDATE events SET deliveries = ${UPDATED}, state = ${stateOf(UPDATED)} WHERE id = ?5`;

interface DeliveryUpdate {
  id: string;
  path: string;
  /** The fields that change; a null removes the field (json_patch), as for a request with no status. */
  patch: Record<string, unknown>;
  n: number;
  f: number;
}

/** What to write: new event rows (with their deliveries), updates of logged events, attempt rows. */
function plan(
  accepted: ReadonlyMap<string, { event: RelayEvent; receivedAt: number }>,
  records: readonly AttemptRecord[],
): { eventRows: Row[]; updates: DeliveryUpdate[]; attemptRows: Row[] } {
  const fresh = new Map<string, Record<string, DeliveryState>>();
  const updates = new Map<string, DeliveryUpdate>();
  const attemptRows: Row[] = [];
  for (const record of records) {
    const tried = record.durationMs !== null;
    const failed = tried && record.outcome !== "delivered";
    const own = accepted.has(record.event.id);
    if (own) {
      let deliveries = fresh.get(record.event.id);
      if (deliveries === undefined) {
        deliveries = {};
        fresh.set(record.event.id, deliveries);
      }
      const first = deliveries[record.target] === undefined;
      const entry: DeliveryState = deliveries[record.target] ?? { o: record.outcome, n: 0, f: 0 };
      entry.o = record.outcome;
      if (tried) {
        entry.n += 1;
        if (failed) entry.f += 1;
        // null, not absent, when no answer came: merged into the row of a run before, it removes that run's status.
        entry.s = record.status;
        entry.t = record.at;
        entry.ms = record.durationMs as number;
      }
      deliveries[record.target] = entry;
      // The common case: accepted and delivered at once. The event's row is its only record.
      if (first && tried && record.outcome === "delivered" && record.attempt === 1 && record.manual !== true) {
        entry.i = [record.status as number, record.durationMs as number, record.at];
        continue;
      }
    } else {
      const key = `${record.event.id}\n${record.target}`;
      const update = updates.get(key) ?? {
        id: record.event.id,
        path: targetPath(record.target),
        patch: {},
        n: 0,
        f: 0,
      };
      update.patch.o = record.outcome;
      if (tried) {
        update.n += 1;
        if (failed) update.f += 1;
        Object.assign(update.patch, { s: record.status, t: record.at, ms: record.durationMs });
      }
      updates.set(key, update);
    }
    attemptRows.push(attemptRow(record));
  }
  const eventRows: Row[] = [];
  for (const [id, { event, receivedAt }] of accepted) {
    const deliveries = fresh.get(id) ?? {};
    eventRows.push([
      event.id,
      event.provider,
      event.type,
      event.subject ?? null,
      event.source,
      event.time,
      receivedAt,
      JSON.stringify(event),
      meetingText(event, "subject", MAX_TITLE_CHARS),
      meetingText(event, "code", MAX_CODE_CHARS),
      JSON.stringify(deliveries),
      stateBits(deliveries),
    ]);
  }
  return { eventRows, updates: [...updates.values()], attemptRows };
}

function attemptRow(record: AttemptRecord): Row {
  return [
    record.event.id,
    record.event.provider,
    record.target,
    record.attempt,
    record.status,
    record.error === null ? null : record.error.slice(0, MAX_ERROR_CHARS),
    record.response ?? null,
    record.durationMs,
    record.at,
    record.outcome,
    record.manual === true ? 1 : 0,
  ];
}

/** `data.meeting.<field>` when it is text, cut to `max` characters; null otherwise. */
function meetingText(event: RelayEvent, field: "subject" | "code", max: number): string | null {
  const meeting = (event.data as { meeting?: unknown } | undefined)?.meeting;
  if (typeof meeting !== "object" || meeting === null) return null;
  const value = (meeting as Record<string, unknown>)[field];
  if (typeof value !== "string" || value === "") return null;
  // Whole characters, as SQLite counts them: a UTF-16 cut could split one in two, stored as a broken character.
  return Array.from(value.slice(0, 2 * max))
    .slice(0, max)
    .join("");
}

/** Runs a log write, bounded in time; a failure or timeout is one log line, never an exception. */
export async function writeQuietly(write: () => Promise<unknown>, fields: Record<string, unknown>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${WRITE_TIMEOUT_MS} ms`)), WRITE_TIMEOUT_MS);
  });
  try {
    // Called inside the try: a binding that throws at once is caught like one that rejects.
    await Promise.race([Promise.resolve().then(write), timeout]);
    return true;
  } catch (error) {
    log("event-log", { outcome: "write-failed", reason: errorMessage(error), ...fields });
    return false;
  } finally {
    clearTimeout(timer);
  }
}
