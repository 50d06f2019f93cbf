/**
 * The rate limiter's record, one SQLite table in its Durable Object: every send it granted (`sent = 1`,
 * at the time it was granted) and every slot it promised to a delivery waiting in the queue (a ticket,
 * `sent = 0`, at the slot's time). Times are milliseconds on the callers' clock.
 */
export class SlotBook {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * The table, created when missing: cheap when it exists, and run on every request rather than once,
   * so that storage emptied under a live object (a test's reset) cannot leave it without a table.
   */
  open(): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS slots (at INTEGER NOT NULL, sent INTEGER NOT NULL)");
    this.sql.exec("CREATE INDEX IF NOT EXISTS slots_by_kind ON slots (sent, at)");
    this.sql.exec("CREATE INDEX IF NOT EXISTS slots_by_time ON slots (at)");
  }

  /** Forgets sends no window can still see and tickets whose delivery never came back for them. */
  prune(sendsUpTo: number, ticketsUpTo: number): void {
    this.sql.exec("DELETE FROM slots WHERE (sent = 1 AND at <= ?) OR (sent = 0 AND at <= ?)", sendsUpTo, ticketsUpTo);
  }

  /** The latest send granted; undefined when none is recorded. */
  latestSend(): number | undefined {
    return this.number("SELECT MAX(at) AS at FROM slots WHERE sent = 1");
  }

  /** The `n`-th latest send (n ≥ 1), or with `tickets` the `n`-th latest of sends and tickets together. */
  nthLatest(n: number, { tickets }: { tickets: boolean }): number | undefined {
    const where = tickets ? "" : "WHERE sent = 1";
    return this.number(`SELECT at FROM slots ${where} ORDER BY at DESC LIMIT 1 OFFSET ?`, n - 1);
  }

  /** The earliest ticket whose time has come, if any. */
  dueTicket(upTo: number): { id: number; at: number } | undefined {
    const [row] = this.sql
      .exec<{ id: number; at: number }>(
        "SELECT rowid AS id, at FROM slots WHERE sent = 0 AND at <= ? ORDER BY at LIMIT 1",
        upTo,
      )
      .toArray();
    return row;
  }

  /** How many tickets are out, and the latest one's time. */
  tickets(): { count: number; latest: number | undefined } {
    const row = this.sql
      .exec<{ count: number; latest: number | null }>(
        "SELECT COUNT(*) AS count, MAX(at) AS latest FROM slots WHERE sent = 0",
      )
      .one();
    return { count: row.count, latest: row.latest ?? undefined };
  }

  /** Every row, oldest first (what the tests read back). */
  rows(): { at: number; sent: boolean }[] {
    return this.sql
      .exec<{ at: number; sent: number }>("SELECT at, sent FROM slots ORDER BY at, rowid")
      .toArray()
      .map((row) => ({ at: row.at, sent: row.sent === 1 }));
  }

  recordSend(at: number): void {
    this.sql.exec("INSERT INTO slots (at, sent) VALUES (?, 1)", at);
  }

  recordTicket(at: number): void {
    this.sql.exec("INSERT INTO slots (at, sent) VALUES (?, 0)", at);
  }

  /** A ticket used: it becomes a send at the time it was used. */
  useTicket(id: number, at: number): void {
    this.sql.exec("UPDATE slots SET sent = 1, at = ? WHERE rowid = ?", at, id);
  }

  /** A ticket whose time came while the windows were still full: it waits until they free. */
  moveTicket(id: number, at: number): void {
    this.sql.exec("UPDATE slots SET at = ? WHERE rowid = ?", at, id);
  }

  private number(query: string, ...bindings: unknown[]): number | undefined {
    const [row] = this.sql.exec<{ at: number | null }>(query, ...bindings).toArray();
    return row?.at ?? undefined;
  }
}
