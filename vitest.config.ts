import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { TEST_BINDINGS } from "./test/support/bindings.ts";

const WRANGLER_CONFIG = fileURLToPath(new URL("./wrangler.toml", import.meta.url));

/**
 * wrangler.toml's queue consumers, read the way wrangler dev reads them, with one change: no consumer
 * waits more than 1 s to fill a batch (the dead-letter queue waits 5 s in production, where latency does
 * not matter), so a test that goes through it is not held up and local queues go quiet soon after the
 * last test. (The plugin replaces a queue's whole consumer entry when given one, so all are passed.)
 */
function testQueueConsumers() {
  const { queueConsumers } = unstable_getMiniflareWorkerOptions(WRANGLER_CONFIG).workerOptions as {
    queueConsumers?: Record<string, { maxBatchTimeout?: number }> | string[];
  };
  if (queueConsumers === undefined || Array.isArray(queueConsumers)) {
    throw new Error("wrangler.toml must declare its queue consumers with their settings");
  }
  return Object.fromEntries(
    Object.entries(queueConsumers).map(([queue, consumer]) => [
      queue,
      { ...consumer, maxBatchTimeout: Math.min(consumer.maxBatchTimeout ?? 1, 1) },
    ]),
  );
}

export default defineConfig({
  test: {
    // The relay logs one JSON line per request and attempt; show them only for failing tests.
    silent: "passed-only",
    // Two test files at a time, whatever the machine (Vitest's default is one fewer than its cores: one,
    // on the 2-core machines CI runs on). Each worker-level file starts its own workerd, and the end-to-end
    // files mostly wait on a wrangler dev of their own (on ports the OS picks), so two at a time overlap
    // the waits; every file keeps its own local state.
    maxWorkers: 2,
    projects: [
      {
        // Unit and worker-level tests, inside workerd with local KV and Queues.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: WRANGLER_CONFIG },
            miniflare: {
              // The event log's schema, applied to the local D1 by test/support/apply-migrations.ts.
              bindings: { ...TEST_BINDINGS, TEST_MIGRATIONS: await readD1Migrations("./migrations") },
              queueConsumers: testQueueConsumers(),
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**"],
          setupFiles: [
            "./test/support/apply-migrations.ts",
            "./test/support/production/install.ts",
            "./test/support/capture-setup.ts",
          ],
        },
      },
      {
        // End-to-end tests: the real relay under `wrangler dev` against real local HTTP servers.
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
