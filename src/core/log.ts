/**
 * One structured JSON line per request and per delivery attempt. Callers pass
 * only what is safe to log: never secrets, signatures, tokens or rejected bodies.
 */
export function log(kind: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ kind, ...fields }));
}
