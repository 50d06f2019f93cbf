import { env } from "cloudflare:workers";
import { PRODUCTION } from "./limits";
import { countOperation, refuse } from "./operations";

const {
  d1BoundParameters: D1_BOUND_PARAMETERS,
  d1PatternBytes: D1_PATTERN_BYTES,
  d1SqlBytes: D1_SQL_BYTES,
} = PRODUCTION;

/**
 * D1 as strict as production: a statement over 100 KB of SQL or with more than 100 bound
 * parameters is refused, and so is a `GLOB` or `LIKE` pattern over 50 bytes (D1 answers
 * "LIKE or GLOB pattern too complex"), written in the SQL or bound. Each statement run is one
 * operation of the invocation, each statement of a batch too.
 */
const database = Object.getPrototypeOf(env.RELAY_LOG) as D1Database;
const statement = Object.getPrototypeOf(env.RELAY_LOG.prepare("SELECT 1")) as D1PreparedStatement;
const real = {
  prepare: database.prepare,
  batch: database.batch,
  exec: database.exec,
  bind: statement.bind,
  first: statement.first,
  run: statement.run,
  all: statement.all,
  raw: statement.raw,
};
const sqlOf = new WeakMap<D1PreparedStatement, string>();

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text).byteLength;

/**
 * The patterns of `GLOB`/`LIKE` in `sql`: a literal (`GLOB 'x*'`) or the index of the bound
 * parameter (`GLOB ?3`, or the n-th bare `?`). String literals are skipped when numbering `?`.
 */
export function patternsOf(sql: string): ({ literal: string } | { parameter: number })[] {
  const found: ({ literal: string } | { parameter: number })[] = [];
  const token = /'(?:[^']|'')*'|\?(\d*)|\b(GLOB|LIKE)\s+('(?:[^']|'')*'|\?\d*)/gi;
  let bare = 0;
  for (const match of sql.matchAll(token)) {
    const [whole, number, operator, operand] = match;
    if (operator !== undefined && operand !== undefined) {
      if (operand.startsWith("'")) found.push({ literal: operand.slice(1, -1).replace(/''/g, "'") });
      else {
        const explicit = operand.slice(1);
        found.push({ parameter: explicit === "" ? bare : Number(explicit) - 1 });
        if (explicit === "") bare += 1;
      }
    } else if (whole.startsWith("?") && number === "") bare += 1;
  }
  return found;
}

function checkSql(sql: string): void {
  const size = bytes(sql);
  if (size > D1_SQL_BYTES) refuse(`D1: a statement of ${size} bytes of SQL exceeds ${D1_SQL_BYTES}`);
  for (const pattern of patternsOf(sql)) {
    if ("literal" in pattern && bytes(pattern.literal) > D1_PATTERN_BYTES) {
      refuse(`D1: LIKE or GLOB pattern too complex (${bytes(pattern.literal)} bytes, more than ${D1_PATTERN_BYTES})`);
    }
  }
}

function checkParameters(sql: string, values: unknown[]): void {
  if (values.length > D1_BOUND_PARAMETERS) {
    refuse(`D1: ${values.length} bound parameters exceed ${D1_BOUND_PARAMETERS} (too many SQL variables)`);
  }
  for (const pattern of patternsOf(sql)) {
    if (!("parameter" in pattern)) continue;
    const value = values[pattern.parameter];
    if (typeof value === "string" && bytes(value) > D1_PATTERN_BYTES) {
      refuse(`D1: LIKE or GLOB pattern too complex (${bytes(value)} bytes, more than ${D1_PATTERN_BYTES})`);
    }
  }
}

export function installD1Double(): void {
  database.prepare = function prepare(this: D1Database, sql: string) {
    checkSql(sql);
    const prepared = real.prepare.call(this, sql);
    sqlOf.set(prepared, sql);
    return prepared;
  };
  database.batch = function batch(this: D1Database, statements: D1PreparedStatement[]) {
    countOperation("d1.batch statement", Math.max(statements.length, 1));
    return real.batch.call(this, statements);
  } as D1Database["batch"];
  database.exec = function exec(this: D1Database, sql: string) {
    countOperation("d1.exec");
    checkSql(sql);
    return real.exec.call(this, sql);
  };
  statement.bind = function bind(this: D1PreparedStatement, ...values: unknown[]) {
    const sql = sqlOf.get(this) ?? "";
    checkParameters(sql, values);
    const bound = real.bind.apply(this, values);
    sqlOf.set(bound, sql);
    return bound;
  };
  for (const method of ["first", "run", "all", "raw"] as const) {
    const original = real[method] as (...args: unknown[]) => unknown;
    (statement as unknown as Record<string, unknown>)[method] = function run(
      this: D1PreparedStatement,
      ...args: unknown[]
    ) {
      countOperation(`d1.${method}`);
      return original.apply(this, args);
    };
  }
}
