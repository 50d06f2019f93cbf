import { errorMessage } from "../errors";
import type { RelayEvent } from "../events";
import { log } from "../log";
import { insertRows, type Row } from "./sql";

/** What became of a delivery: the outcome written with each attempt. */
export type Outcome = "delivered" | "retry" | "dead" | "paused";
export const OUTCOMES: readonly Outcome[] = ["delivered", "retry", "dead", "paused"];

export interface AttemptRecord {
  event: RelayEvent;
  target: string;
  /** The attempt number; for a delivery given up or parked without an attempt, the attempts made before. */
  attempt: number;
  /** The target's HTTP status; null when no response came (or no attempt was made). */
  status: number | null;
  error: string | null;
  /** null when no request was made. */
  durationMs: number | null;
  /** When (ms). */
  at: number;
  outcome: Outcome;
}

/** A write that takes longer than this is abandoned (and logged) so the queue invocation can end. */
export const WRITE_TIMEOUT_MS = 5_000;
/** Errors are cut to this many characters in the log. */
const MAX_ERROR_CHARS = 500;

/**
 * Gathers what one queue invocation did (events accepted, attempts made) and
 * writes it to the event log in one D1 `batch()` at the end. The log is an aid,
 * not the source of truth: a failed write is logged and dropped, never thrown,
 * and never touches the acks and retries the consumer already decided.
 */
export class EventJournal {
  readonly #events: Row[] = [];
  readonly #attempts: Row[] = [];

  accepted(event: RelayEvent, receivedAt: number): void {
    this.#events.push([
      event.id,
      event.provider,
      event.type,
      event.subject ?? null,
      event.source,
      event.time,
      receivedAt,
      JSON.stringify(event),
    ]);
  }

  attempt(record: AttemptRecord): void {
    this.#attempts.push([
      record.event.id,
      record.event.provider,
      record.target,
      record.attempt,
      record.status,
      record.error === null ? null : record.error.slice(0, MAX_ERROR_CHARS),
      record.durationMs,
      record.at,
      record.outcome,
    ]);
  }

  /** A delivery given up or parked without a request: no status, no duration. */
  notAttempted(
    delivery: { event: RelayEvent; target: string },
    attemptsMade: number,
    error: string,
    outcome: "dead" | "paused",
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
    return this.#events.length + this.#attempts.length;
  }

  /**
   * One D1 batch with the events and attempts gathered, and nothing else: counters write
   * batches of their own, so their failure can never lose these rows. Never throws, whatever D1 does.
   */
  async flush(db: D1Database | undefined): Promise<void> {
    if (db === undefined) return;
    const events = this.#events.splice(0);
    const attempts = this.#attempts.splice(0);
    await writeQuietly(
      () => {
        const statements = [
          ...insertRows(db, "INSERT OR IGNORE INTO events", EVENT_COLUMNS, events),
          ...insertRows(db, "INSERT INTO attempts", ATTEMPT_COLUMNS, attempts),
        ];
        return statements.length === 0 ? Promise.resolve() : db.batch(statements);
      },
      { events: events.length, attempts: attempts.length },
    );
  }
}

const EVENT_COLUMNS = ["id", "provider", "type", "subject", "source", "time", "received_at", "event"] as const;
const ATTEMPT_COLUMNS = [
  "event_id",
  "provider",
  "target",
  "attempt",
  "status",
  "error",
  "duration_ms",
  "at",
  "outcome",
] as const;

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
