/**
 * A full event log, written straight into the local D1 in the shape the first two migrations
 * (migrations/0001, 0002) create: the shape every installed relay has before 0003. The
 * benchmark then applies the rest of migrations/, so the figures are read from a log carried
 * across by the same migration a deploy runs.
 *
 * `count` events spread evenly over the last `days` days, newest first, 10 per meeting; the
 * four platforms in turn; two targets (`crm` takes every event, `erp` Tencent Meeting's);
 * 1 delivery in 50 fails once and is delivered on its second attempt, 1 in 200 is given up
 * after three. Everything is generated in SQL (recursive CTEs), so the file stays small.
 */
export const SEED_PROVIDERS = ["tencent-meeting", "huawei-meeting", "yunhuni", "tencent-whiteboard"] as const;
export const SEED_TYPES = [
  "meeting.started",
  "meeting.participant-joined",
  "meeting.participant-left",
  "meeting.ended",
];

/** The id, subject (meeting id), title and code of event `i`, as the seed writes them. */
export function seededEvent(i: number): { id: string; subject: string; title: string; code: string } {
  const meeting = Math.floor(i / 10);
  return {
    id: `bench-${i}`,
    subject: `m${meeting}`,
    title: `Weekly sync ${meeting}`,
    code: String(100_000_000 + meeting),
  };
}

export function seedSql(count: number, days: number, now: number): string {
  const span = days * 86_400_000;
  // 1,000-ish bytes of `raw`, as a platform's callback item would carry.
  const raw = "x".repeat(900);
  const numbers = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${count - 1})`;
  const received = `(${now} - 60000 - i * ${Math.floor(span / count)})`;
  const provider = `(CASE i % 4 ${SEED_PROVIDERS.map((name, k) => `WHEN ${k} THEN '${name}'`).join(" ")} END)`;
  const type = `(CASE i % 10 WHEN 0 THEN '${SEED_TYPES[0]}' WHEN 9 THEN '${SEED_TYPES[3]}' WHEN 1 THEN '${SEED_TYPES[0]}' ELSE (CASE i % 2 WHEN 0 THEN '${SEED_TYPES[1]}' ELSE '${SEED_TYPES[2]}' END) END)`;
  const event = `json_object('specversion', '1.0', 'id', 'bench-' || i, 'source', '/webhooks/' || ${provider},
    'type', ${type}, 'subject', 'm' || (i / 10), 'time', strftime('%Y-%m-%dT%H:%M:%SZ', ${received} / 1000, 'unixepoch'),
    'datacontenttype', 'application/json', 'provider', ${provider}, 'providerevent', ${type},
    'data', json_object('meeting', json_object('id', 'm' || (i / 10), 'code', CAST(100000000 + i / 10 AS TEXT),
      'subject', 'Weekly sync ' || (i / 10)), 'raw', json_object('pad', '${raw}')))`;
  // Attempt rows: (event i, target, attempt, status, error, duration, at offset, outcome).
  const attempts = (target: string, where: string) => `
    ${numbers}
    INSERT INTO attempts (event_id, provider, target, attempt, status, error, duration_ms, at, outcome)
    SELECT 'bench-' || i, ${provider}, '${target}', a.attempt, a.status, a.error, 20 + (i * 37) % 400,
           ${received} + 50 + a.attempt * 10000, a.outcome
    FROM n JOIN bench_attempt_kinds AS a ON a.kind = (CASE WHEN i % 200 = 13 THEN 2 WHEN i % 50 = 7 THEN 1 ELSE 0 END)
    WHERE ${where}
    ORDER BY i DESC, a.attempt;`;
  // A helper table, not a compound SELECT: D1 allows only a few terms in one.
  const kinds = [
    [1, 200, "NULL", "'delivered'", 0],
    [1, 503, "'HTTP 503'", "'retry'", 1],
    [2, 200, "NULL", "'delivered'", 1],
    [1, 503, "'HTTP 503'", "'retry'", 2],
    [2, 503, "'HTTP 503'", "'retry'", 2],
    [3, 503, "'HTTP 503'", "'dead'", 2],
  ];
  return `
    CREATE TABLE bench_attempt_kinds (attempt INTEGER, status INTEGER, error TEXT, outcome TEXT, kind INTEGER);
    ${kinds.map((row) => `INSERT INTO bench_attempt_kinds VALUES (${row.join(", ")});`).join("\n")}
    ${numbers}
    INSERT INTO events (id, provider, type, subject, source, time, received_at, event)
    SELECT 'bench-' || i, ${provider}, ${type}, 'm' || (i / 10), '/webhooks/' || ${provider},
           strftime('%Y-%m-%dT%H:%M:%SZ', ${received} / 1000, 'unixepoch'), ${received}, ${event}
    FROM n ORDER BY i DESC;
    ${attempts("crm", "1")}
    ${attempts("erp", "i % 4 = 0")}
    DROP TABLE bench_attempt_kinds;
  `;
}
