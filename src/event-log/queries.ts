import type { RelayEvent } from "../events";
import type { Outcome } from "./journal";

/** What `GET /admin/events` may filter on; times are ms, `until` exclusive. */
export interface EventFilter {
  provider?: string | undefined;
  /** Exact, or a glob where `*` matches anything. */
  type?: string | undefined;
  subject?: string | undefined;
  /** Events with a delivery to this target (with `outcome`: whose latest outcome there is that). */
  target?: string | undefined;
  /** Events with a delivery whose latest outcome is this. */
  outcome?: Outcome | undefined;
  since?: number | undefined;
  until?: number | undefined;
  /** Strictly older than this position (newest first). */
  after?: Position | undefined;
  limit: number;
}

/** A place in the newest-first order: received time, then id. */
export interface Position {
  receivedAt: number;
  id: string;
}

export interface DeliverySummary {
  target: string;
  outcome: Outcome;
  /** Requests made to the target for this event (a delivery given up without one adds none). */
  attempts: number;
  lastStatus: number | null;
  lastAttemptAt: string | null;
}

export interface EventSummary {
  id: string;
  provider: string;
  type: string;
  subject: string | null;
  source: string;
  time: string;
  receivedAt: string;
  deliveries: DeliverySummary[];
}

export interface EventPage {
  items: EventSummary[];
  /** Where the next page starts; null on the last page. */
  next: Position | null;
}

/** An `events` row: the summary's fields as stored, `received_at` in ms. */
type EventRow = Omit<EventSummary, "receivedAt" | "deliveries"> & { received_at: number };

interface AttemptRow {
  event_id: string;
  target: string;
  attempt: number;
  status: number | null;
  error: string | null;
  duration_ms: number | null;
  at: number;
  outcome: Outcome;
}

/**
 * The GLOB pattern bound for a `type` filter with `*`, or undefined for an exact type. Filters carry no
 * other GLOB character (`?`, `[`, `]`: the admin API refuses them), so the pattern is the filter as is;
 * D1 refuses a pattern over `D1_PATTERN_BYTES` (50), which the caller checks on what this returns.
 */
export function typeGlob(type: string): string | undefined {
  return type.includes("*") ? type : undefined;
}

/** The latest row of each (event, target) pair: the delivery's current outcome. */
const LATEST = "a.seq = (SELECT max(b.seq) FROM attempts b WHERE b.event_id = a.event_id AND b.target = a.target)";

/** One page of the event log, newest first, with each event's deliveries summarized per target. */
export async function listEvents(db: D1Database, filter: EventFilter): Promise<EventPage> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (sql: string, ...values: (string | number)[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (filter.provider !== undefined) add("provider = ?", filter.provider);
  if (filter.type !== undefined) {
    const glob = typeGlob(filter.type);
    if (glob === undefined) add("type = ?", filter.type);
    else add("type GLOB ?", glob);
  }
  if (filter.subject !== undefined) add("subject = ?", filter.subject);
  if (filter.since !== undefined) add("received_at >= ?", filter.since);
  if (filter.until !== undefined) add("received_at < ?", filter.until);
  if (filter.after !== undefined) {
    add(
      "(received_at < ? OR (received_at = ? AND id < ?))",
      filter.after.receivedAt,
      filter.after.receivedAt,
      filter.after.id,
    );
  }
  if (filter.target !== undefined || filter.outcome !== undefined) {
    const conditions = ["a.event_id = events.id"];
    const values: string[] = [];
    if (filter.target !== undefined) {
      conditions.push("a.target = ?");
      values.push(filter.target);
    }
    if (filter.outcome !== undefined) {
      conditions.push("a.outcome = ?", LATEST);
      values.push(filter.outcome);
    }
    add(`EXISTS (SELECT 1 FROM attempts a WHERE ${conditions.join(" AND ")})`, ...values);
  }
  const sql =
    "SELECT id, provider, type, subject, source, time, received_at FROM events" +
    (where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "") +
    " ORDER BY received_at DESC, id DESC LIMIT ?";
  const { results } = await db
    .prepare(sql)
    .bind(...params, filter.limit + 1)
    .all<EventRow>();
  const rows = results.slice(0, filter.limit);
  const last = rows.at(-1);
  const next = results.length > filter.limit && last ? { receivedAt: last.received_at, id: last.id } : null;
  const deliveries = await summarize(
    db,
    rows.map((row) => row.id),
  );
  const items = rows.map((row) => ({
    id: row.id,
    provider: row.provider,
    type: row.type,
    subject: row.subject,
    source: row.source,
    time: row.time,
    receivedAt: iso(row.received_at),
    deliveries: deliveries.get(row.id) ?? [],
  }));
  return { items, next };
}

/** Per event, per target (in order of first attempt): the latest outcome, attempts made, last status and time. */
async function summarize(db: D1Database, ids: readonly string[]): Promise<Map<string, DeliverySummary[]>> {
  const byEvent = new Map<string, Map<string, DeliverySummary>>();
  if (ids.length === 0) return new Map();
  const { results } = await db
    .prepare(
      `SELECT event_id, target, status, duration_ms, at, outcome FROM attempts WHERE event_id IN (${ids.map(() => "?").join(", ")}) ORDER BY seq`,
    )
    .bind(...ids)
    .all<AttemptRow>();
  for (const row of results) {
    let targets = byEvent.get(row.event_id);
    if (targets === undefined) {
      targets = new Map();
      byEvent.set(row.event_id, targets);
    }
    const summary = targets.get(row.target) ?? {
      target: row.target,
      outcome: row.outcome,
      attempts: 0,
      lastStatus: null,
      lastAttemptAt: null,
    };
    summary.outcome = row.outcome;
    if (row.duration_ms !== null) {
      summary.attempts += 1;
      summary.lastStatus = row.status;
      summary.lastAttemptAt = iso(row.at);
    }
    targets.set(row.target, summary);
  }
  return new Map([...byEvent].map(([id, targets]) => [id, [...targets.values()]]));
}

export interface AttemptEntry {
  target: string;
  attempt: number;
  status: number | null;
  error: string | null;
  durationMs: number | null;
  at: string;
  outcome: Outcome;
}

export interface LoggedEvent {
  event: RelayEvent;
  receivedAt: string;
  attempts: AttemptEntry[];
}

/** One event and every attempt, oldest first; null when unknown or received before `keptSince`. */
export async function readEvent(db: D1Database, id: string, keptSince: number): Promise<LoggedEvent | null> {
  const [events, attempts] = await db.batch<Record<string, unknown>>([
    db.prepare("SELECT event, received_at FROM events WHERE id = ? AND received_at >= ?").bind(id, keptSince),
    db
      .prepare(
        "SELECT target, attempt, status, error, duration_ms, at, outcome FROM attempts WHERE event_id = ? ORDER BY seq",
      )
      .bind(id),
  ]);
  const row = events?.results[0] as { event: string; received_at: number } | undefined;
  if (row === undefined) return null;
  return {
    event: JSON.parse(row.event) as RelayEvent,
    receivedAt: iso(row.received_at),
    attempts: ((attempts?.results ?? []) as unknown as AttemptRow[]).map((attempt) => ({
      target: attempt.target,
      attempt: attempt.attempt,
      status: attempt.status,
      error: attempt.error,
      durationMs: attempt.duration_ms,
      at: iso(attempt.at),
      outcome: attempt.outcome,
    })),
  };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
