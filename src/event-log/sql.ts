import { D1_BOUND_PARAMETERS } from "../lib/limits";

/** One table row's values, in column order. */
export type Row = (string | number | null)[];

/** D1 binds at most 100 parameters per statement. */
const MAX_BOUND_PARAMETERS = D1_BOUND_PARAMETERS;

/**
 * Multi-row `INSERT … VALUES (…), (…)` statements: as many rows per statement as
 * D1's parameter limit allows, so a queue batch costs a few statements, not one per row.
 */
export function insertRows(
  db: D1Database,
  head: string,
  columns: readonly string[],
  rows: readonly Row[],
  tail = "",
): D1PreparedStatement[] {
  const perStatement = Math.floor(MAX_BOUND_PARAMETERS / columns.length);
  const tuple = `(${columns.map(() => "?").join(", ")})`;
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const sql = `${head} (${columns.join(", ")}) VALUES ${chunk.map(() => tuple).join(", ")}${tail}`;
    statements.push(db.prepare(sql).bind(...chunk.flat()));
  }
  return statements;
}
