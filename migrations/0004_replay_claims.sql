-- One replay at a time per dead letter. A replay claims each letter here (its id and the time it was
-- last attempted, so a letter kept again is a new claim) before queuing it, and sends only those it
-- claimed: two replays at once (two operators, or a client that retries a replay that timed out),
-- or one that reads a record KV still serves after another replay removed it, send a letter once.
-- A claim lapses after ten minutes (src/event-log/replay-claims.ts); retention deletes it later.
-- The consumer of a kept delivery's own replay (its keeper saw the target resumed) claims the letter too,
-- as `message:<queue message id>`, so that a retry of that message takes its own claim again.
CREATE TABLE replay_claims (
  letter TEXT PRIMARY KEY,
  claimed_at INTEGER NOT NULL,
  claimant TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX replay_claims_by_time ON replay_claims (claimed_at);
