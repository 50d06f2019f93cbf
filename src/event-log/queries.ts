import type { RelayEvent } from "../core/cloud-event";
import { type DeliveryState, OUTCOME_BITS } from "./deliveries";
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
  /**
   * Search: the event id or the subject (meeting id) exactly or as a prefix, the meeting code as a
   * prefix (spaces and dashes ignored), or the meeting title containing it (ASCII letters in any case).
   */
  q?: string | undefined;
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

interface DeliverySummary {
  target: string;
  outcome: Outcome;
  /** Requests made to the target for this event (a delivery given up without one adds none). */
  attempts: number;
  lastStatus: number | null;
  lastAttemptAt: string | null;
}

interface EventSummary {
  id: string;
  provider: string;
  type: string;
  subject: string | null;
  /** The meeting's title and code, when the platform sent them as text. */
  title: string | null;
  code: string | null;
  source: string;
  time: string;
  receivedAt: string;
  deliveries: DeliverySummary[];
}

interface EventPage {
  items: EventSummary[];
  /** Where the next page starts; null when the window holds nothing more. */
  next: Position | null;
}

/**
 * Index entries one page reads at most when a filter must look at each event (type, subject,
 * target, outcome, q). A page that reaches it before filling returns what it found and a cursor
 * where it stopped: fewer items (even none) with a cursor means "keep going", so every request
 * costs a bounded read however rare the match.
 */
const MAX_SCANNED_PER_PAGE = 20_000;

/**
 * The GLOB pattern bound for a `type` filter with `*`, or undefined for an exact type. Filters carry no
 * other GLOB character (`?`, `[`, `]`: the admin API refuses them), so the pattern is the filter as is;
 * D1 refuses a pattern over `D1_PATTERN_BYTES` (50), which the caller checks on what this returns.
 */
export function typeGlob(type: string): string | undefined {
  return type.includes("*") ? type : undefined;
}

/**
 * What the covering index holds for an event (events_by_received), and the row's own columns: a
 * summary's fields as stored, with the time in ms and the deliveries as their JSON column.
 */
type ListedRow = Omit<EventSummary, "receivedAt" | "deliveries"> & {
  received_at: number;
  deliveries: string;
  /** 1 for a match; 0 for the last entry read, when the page stopped at MAX_SCANNED_PER_PAGE. */
  hit: number;
};

/**
 * One page of the event log, newest first. The window is walked newest first over a covering index
 * (`events_unsettled`, far smaller, for `outcome` retry/dead/paused) and the filters are applied to
 * the index entries; only the page's own rows are read from the table.
 */
export async function listEvents(db: D1Database, filter: EventFilter): Promise<EventPage> {
  const range: string[] = [];
  const rangeParams: (string | number)[] = [];
  if (filter.since !== undefined) {
    range.push("received_at >= ?");
    rangeParams.push(filter.since);
  }
  if (filter.until !== undefined) {
    range.push("received_at < ?");
    rangeParams.push(filter.until);
  }
  if (filter.after !== undefined) {
    // A row value, not an OR: SQLite starts the index walk at the cursor instead of the window's top.
    range.push("received_at <= ? AND (received_at, id) < (?, ?)");
    rangeParams.push(filter.after.receivedAt, filter.after.receivedAt, filter.after.id);
  }
  const unsettled = filter.outcome !== undefined && filter.outcome !== "delivered";
  if (unsettled) range.push("state > 1");

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
  if (filter.target !== undefined && filter.outcome !== undefined) {
    add("deliveries ->> ? = ?", `$."${filter.target}".o`, filter.outcome);
  } else if (filter.target !== undefined) {
    add("instr(deliveries, ?) > 0", `"${filter.target}":{`);
  } else if (filter.outcome !== undefined) {
    add("(state & ?) <> 0", OUTCOME_BITS[filter.outcome]);
  }
  if (filter.q !== undefined) {
    const q = filter.q;
    const code = q.replace(/[\s-]/g, "");
    // SQLite's substr counts characters, not UTF-16 units: a character outside the BMP is one, not two.
    const chars = (text: string) => Array.from(text).length;
    // Only spaces and dashes leave no code prefix to look for ('' would be the prefix of every code).
    const byCode = code.length > 0 ? " OR substr(replace(replace(code, ' ', ''), '-', ''), 1, ?) = ?" : "";
    add(
      `(substr(id, 1, ?) = ? OR substr(subject, 1, ?) = ?${byCode} OR instr(lower(title), lower(?)) > 0)`,
      chars(q),
      q,
      chars(q),
      q,
      ...(byCode ? [chars(code), code] : []),
      q,
    );
  }
  // Without a filter on each entry, the page is the first `limit` entries; with one, a bounded walk.
  const scan = where.length === 0 ? filter.limit + 1 : MAX_SCANNED_PER_PAGE;
  const index = unsettled ? "events_unsettled" : "events_by_received";
  const sql = `WITH scanned AS MATERIALIZED (
      SELECT id, provider, type, subject, title, code, received_at, state, deliveries FROM events INDEXED BY ${index}
      ${range.length > 0 ? `WHERE ${range.join(" AND ")}` : ""}
      ORDER BY received_at DESC, id DESC LIMIT ?
    ),
    hits AS (
      SELECT *, 1 AS hit FROM scanned ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY received_at DESC, id DESC LIMIT ?
    ),
    edge AS (
      SELECT *, 0 AS hit FROM scanned WHERE (SELECT count(*) FROM scanned) = ?
      ORDER BY received_at, id LIMIT 1
    ),
    page AS (SELECT * FROM hits UNION ALL SELECT * FROM edge)
    SELECT page.*, events.source, events.time FROM page JOIN events ON events.id = page.id
    ORDER BY page.hit DESC, page.received_at DESC, page.id DESC`;
  const { results } = await db
    .prepare(sql)
    .bind(...rangeParams, scan, ...params, filter.limit + 1, scan)
    .all<ListedRow>();
  const hits = results.filter((row) => row.hit === 1);
  const rows = hits.slice(0, filter.limit);
  const last = rows.at(-1);
  const edge = results.find((row) => row.hit === 0);
  let next: Position | null = null;
  if (hits.length > filter.limit && last) next = { receivedAt: last.received_at, id: last.id };
  else if (edge !== undefined && where.length > 0) next = { receivedAt: edge.received_at, id: edge.id };
  const items = rows.map((row) => ({
    id: row.id,
    provider: row.provider,
    type: row.type,
    subject: row.subject,
    title: row.title,
    code: row.code,
    source: row.source,
    time: row.time,
    receivedAt: iso(row.received_at),
    deliveries: summaries(row.deliveries),
  }));
  return { items, next };
}

/** The deliveries column as the API shows it, in order of first attempt. */
function summaries(deliveries: string): DeliverySummary[] {
  const parsed = JSON.parse(deliveries) as Record<string, DeliveryState>;
  return Object.entries(parsed).map(([target, entry]) => ({
    target,
    outcome: entry.o,
    attempts: entry.n,
    lastStatus: entry.s ?? null,
    lastAttemptAt: entry.t === undefined ? null : iso(entry.t),
  }));
}

interface AttemptEntry {
  target: string;
  attempt: number;
  status: number | null;
  error: string | null;
  /** The first 1 KiB of a failed attempt's answer body; null for a success or without an answer. */
  response: string | null;
  durationMs: number | null;
  at: string;
  outcome: Outcome;
  /** A redelivery or test send an operator asked for. */
  manual: boolean;
}

interface LoggedEvent {
  event: RelayEvent;
  receivedAt: string;
  attempts: AttemptEntry[];
  /** Older attempt rows than {@link MAX_SHOWN_ATTEMPTS} were left out. */
  earlierAttemptsOmitted?: true;
}

/**
 * Attempt rows one event's answer shows at most, the latest (about 1.3 MB at 1 KiB of answer each): redeliveries
 * keep adding rows to an event, and the memory of one request must not grow with them.
 */
const MAX_SHOWN_ATTEMPTS = 1_000;

/** An `attempts` row: an entry's fields as stored, with the time in ms and `manual` as 0 or 1. */
type AttemptRow = Omit<AttemptEntry, "durationMs" | "at" | "manual"> & {
  duration_ms: number | null;
  at: number;
  manual: number;
};

/**
 * One event and its attempts (the latest {@link MAX_SHOWN_ATTEMPTS} rows), oldest first; null when unknown or
 * received before `keptSince`.
 * A first attempt that succeeded at once has no `attempts` row: it comes from the event's row.
 */
export async function readEvent(db: D1Database, id: string, keptSince: number): Promise<LoggedEvent | null> {
  const [events, attempts] = await db.batch<Record<string, unknown>>([
    db
      .prepare("SELECT event, received_at, deliveries FROM events WHERE id = ? AND received_at >= ?")
      .bind(id, keptSince),
    db
      .prepare(
        "SELECT target, attempt, status, error, response, duration_ms, at, outcome, manual FROM attempts WHERE event_id = ? ORDER BY seq DESC LIMIT ?",
      )
      .bind(id, MAX_SHOWN_ATTEMPTS + 1),
  ]);
  const row = events?.results[0] as { event: string; received_at: number; deliveries: string } | undefined;
  if (row === undefined) return null;
  const rows = (attempts?.results ?? []) as unknown as AttemptRow[];
  // One row past the limit says earlier ones exist; it is not shown.
  const omitted = rows.length > MAX_SHOWN_ATTEMPTS;
  const logged = (omitted ? rows.slice(0, -1) : rows).reverse().map((attempt) => ({
    target: attempt.target,
    attempt: attempt.attempt,
    status: attempt.status,
    error: attempt.error,
    response: attempt.response,
    durationMs: attempt.duration_ms,
    at: attempt.at,
    outcome: attempt.outcome,
    manual: attempt.manual === 1,
  }));
  const deliveries = JSON.parse(row.deliveries) as Record<string, DeliveryState>;
  const first = Object.entries(deliveries).flatMap(([target, entry]) =>
    entry.i === undefined
      ? []
      : [
          {
            target,
            attempt: 1,
            status: entry.i[0],
            error: null,
            response: null,
            durationMs: entry.i[1],
            at: entry.i[2],
            outcome: "delivered" as const,
            manual: false,
          },
        ],
  );
  // Stable: rows keep their written order among equal times; a first attempt comes before them.
  const timeline = [...first, ...logged].sort((a, b) => a.at - b.at);
  return {
    event: JSON.parse(row.event) as RelayEvent,
    receivedAt: iso(row.received_at),
    attempts: timeline.map((attempt) => ({ ...attempt, at: iso(attempt.at) })),
    ...(omitted ? { earlierAttemptsOmitted: true as const } : {}),
  };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
