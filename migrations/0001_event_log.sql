-- The event log (D1 binding RELAY_LOG): what arrived, where it went, and what was refused.
-- Written only by the queue consumers and after responses; kept EVENT_LOG_RETENTION_DAYS (cron).
-- Times are Unix milliseconds. Every index below costs one more row written per insert.

-- One row per accepted event. `event` is the CloudEvent JSON as queued.
CREATE TABLE events (
  id TEXT PRIMARY KEY NOT NULL,
  provider TEXT NOT NULL,
  type TEXT NOT NULL,
  subject TEXT,
  source TEXT NOT NULL,
  time TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  event TEXT NOT NULL
) WITHOUT ROWID;
-- Newest first (the list and its cursor), `since`/`until`, retention; the provider filter rides on it.
CREATE INDEX events_by_received ON events (received_at, id);
-- "Did my meeting's events arrive?"
CREATE INDEX events_by_subject ON events (subject, received_at);
CREATE INDEX events_by_type ON events (type, received_at);

-- One row per delivery attempt, and per delivery given up or parked without an attempt
-- (then `status` and `duration_ms` are NULL). `seq` orders the rows of one pair.
CREATE TABLE attempts (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  target TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status INTEGER,
  error TEXT,
  duration_ms INTEGER,
  at INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead', 'paused'))
);
-- An event's timeline and its deliveries summary; the target and outcome filters.
CREATE INDEX attempts_by_event ON attempts (event_id, target, seq);
-- Stats over a window, and retention.
CREATE INDEX attempts_by_time ON attempts (at);

-- Refused callbacks, counted per hour: metadata only (never a body, signature, token or address).
CREATE TABLE refusals (
  hour INTEGER NOT NULL,
  provider TEXT NOT NULL,
  account TEXT NOT NULL,
  status INTEGER NOT NULL,
  reason TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (hour, provider, account, status, reason)
) WITHOUT ROWID;
