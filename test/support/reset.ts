import { applyD1Migrations, reset as resetStorage } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { aSecondPasses } from "./production/kv";

/**
 * `reset()` from cloudflare:test empties every binding, D1 included (its tables too):
 * this one puts the event log's tables back, so the consumers write to a real log in every test. A fresh
 * world: KV's pace of one write per key per second starts afresh too.
 */
export async function reset(): Promise<void> {
  await resetStorage();
  aSecondPasses();
  await applyD1Migrations(env.RELAY_LOG, env.TEST_MIGRATIONS);
}
