import { applyD1Migrations, reset as resetStorage } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { aSecondPasses } from "./production/kv";

/**
 * Every binding emptied, D1 without a table. `reset()` from cloudflare:test deletes the storage of every
 * Durable Object, and local D1 and KV are Durable Objects; but workerd resets the SQLite database only of
 * an object that is live at that moment, so a D1 database left idle since its last query keeps every
 * row, and so does a KV namespace (seen here: after one test of a resume, the next test still found its
 * targets document in KV and its replays' claims in D1; not when the test had queried D1 just before).
 * What is left after it is removed here, whatever the objects' state: every D1 table dropped, every KV
 * key deleted.
 */
export async function freshStorage(): Promise<void> {
  await resetStorage();
  const { results } = await env.RELAY_LOG.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
  ).all<{ name: string }>();
  if (results.length > 0) {
    await env.RELAY_LOG.batch(
      results.map(({ name }) => env.RELAY_LOG.prepare(`DROP TABLE IF EXISTS "${name.replaceAll('"', '""')}"`)),
    );
  }
  for (const kv of [env.RELAY_CONFIG, env.RELAY_STATE]) {
    for (let keys = (await kv.list()).keys; keys.length > 0; keys = (await kv.list()).keys) {
      await Promise.all(keys.map(({ name }) => kv.delete(name)));
    }
  }
}

/**
 * A fresh world: every binding empty ({@link freshStorage}), the event log's tables put back, so the
 * consumers write to a real log in every test, and KV's pace of one write per key per second started afresh.
 */
export async function reset(): Promise<void> {
  await freshStorage();
  aSecondPasses();
  await applyD1Migrations(env.RELAY_LOG, env.TEST_MIGRATIONS);
}
