import { applyD1Migrations, reset as resetStorage } from "cloudflare:test";
import { env } from "cloudflare:workers";

/**
 * `reset()` from cloudflare:test empties every binding, D1 included (its tables too):
 * this one puts the event log's tables back, so the consumers write to a real log in every test.
 */
export async function reset(): Promise<void> {
  await resetStorage();
  await applyD1Migrations(env.RELAY_LOG, env.TEST_MIGRATIONS);
}
