/** Runs before every worker-level test file: the event log's tables exist in the local D1 (applied once). */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll } from "vitest";

beforeAll(async () => {
  await applyD1Migrations(env.RELAY_LOG, env.TEST_MIGRATIONS);
});
