-- A leaner event log. Each event's row now records its deliveries' latest state itself, so an event
-- delivered at the first attempt to one target writes 2 rows in all (the row and one index entry);
-- `attempts` keeps rows only for retries, failures, deliveries given up or parked, and manual sends.
-- Lists, filters and the overview read one covering index over the retained window, newest first,
-- and stop after a bounded number of entries; deliveries that are not (or not yet) delivered sit in
-- a partial index of their own, which an event delivered at once never enters.
-- Rows written by 0001/0002 are carried across: their deliveries are rebuilt from their attempts.

-- The meeting's title and code (data.meeting.subject and data.meeting.code, when they are text).
ALTER TABLE events ADD COLUMN title TEXT;
ALTER TABLE events ADD COLUMN code TEXT;
-- Per target, in order of first attempt: {"<target>": {"o": outcome, "n": requests made,
-- "f": requests that failed, "s": last status, "t": last request (ms), "ms": its duration,
-- "i": [status, ms, at] of a first attempt that succeeded and has no `attempts` row}}.
ALTER TABLE events ADD COLUMN deliveries TEXT NOT NULL DEFAULT '{}';
-- The latest outcomes of the deliveries as bits: 1 delivered, 2 retry, 4 dead, 8 paused.
ALTER TABLE events ADD COLUMN state INTEGER NOT NULL DEFAULT 0;

-- The first 1 KiB of a failed attempt's answer body, and whether an operator asked for the attempt
-- (a redelivery or a test send).
ALTER TABLE attempts ADD COLUMN response TEXT;
ALTER TABLE attempts ADD COLUMN manual INTEGER NOT NULL DEFAULT 0;

-- Each of these cost a row per insert; the covering index below serves what they served.
DROP INDEX events_by_subject;
DROP INDEX events_by_type;
DROP INDEX events_by_received;
-- Retention deletes attempts oldest first by `seq`, which follows the time they were written.
DROP INDEX attempts_by_time;

UPDATE events SET
  title = CASE WHEN json_valid(event) AND json_type(event, '$.data.meeting.subject') = 'text'
    THEN substr(json_extract(event, '$.data.meeting.subject'), 1, 200) END,
  code = CASE WHEN json_valid(event) AND json_type(event, '$.data.meeting.code') = 'text'
    THEN substr(json_extract(event, '$.data.meeting.code'), 1, 64) END;

UPDATE events SET deliveries = d.deliveries, state = d.state
FROM (
  SELECT event_id, json_group_object(target, json(entry)) AS deliveries, sum(DISTINCT bit) AS state
  FROM (
    SELECT p.event_id, p.target, p.first_seq,
      json_patch(
        json_object('o', l.outcome, 'n', p.n, 'f', p.f),
        CASE WHEN t.seq IS NULL THEN '{}' ELSE json_object('s', t.status, 't', t.at, 'ms', t.duration_ms) END
      ) AS entry,
      CASE l.outcome WHEN 'delivered' THEN 1 WHEN 'retry' THEN 2 WHEN 'dead' THEN 4 WHEN 'paused' THEN 8 ELSE 0 END AS bit
    FROM (
      SELECT event_id, target, min(seq) AS first_seq, max(seq) AS last_seq,
        max(CASE WHEN duration_ms IS NOT NULL THEN seq END) AS last_tried,
        count(duration_ms) AS n,
        sum(duration_ms IS NOT NULL AND outcome <> 'delivered') AS f
      FROM attempts GROUP BY event_id, target
    ) AS p
    JOIN attempts AS l ON l.seq = p.last_seq
    LEFT JOIN attempts AS t ON t.seq = p.last_tried
    ORDER BY p.event_id, p.first_seq
  )
  GROUP BY event_id
) AS d
WHERE events.id = d.event_id;

-- Newest first with every filter's column: lists, filters, cursors, the overview and retention
-- read this index alone (each event's row is read only for the page it returns).
CREATE INDEX events_by_received ON events (received_at, id, provider, type, subject, title, code, state, deliveries);
-- Events with a delivery retrying, dead or paused: the `outcome` filter for those finds them here.
CREATE INDEX events_unsettled ON events (received_at, id) WHERE state > 1;

-- Per target: the last successful request and the failed requests since, for the console's health.
-- Written when a failure is counted or the streak ends; a success on a healthy target refreshes
-- `last_success_at` at most once a minute.
CREATE TABLE target_health (
  target TEXT PRIMARY KEY NOT NULL,
  last_success_at INTEGER,
  failures_in_a_row INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
