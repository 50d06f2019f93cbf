import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_BINDINGS } from "./test/support/bindings.ts";

export default defineConfig({
  test: {
    // The relay logs one JSON line per request and attempt; show them only for failing tests.
    silent: "passed-only",
    projects: [
      {
        // Unit and worker-level tests, inside workerd with local KV and Queues.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: TEST_BINDINGS,
              // wrangler.toml's max_batch_timeout = 0 (lowest latency in production) keeps the local
              // queue polling after the last test, so the test runtime never shuts down: 1 s here.
              queueConsumers: {
                "meeting-relay-events": {
                  maxBatchSize: 10,
                  maxBatchTimeout: 1,
                  maxRetries: 100,
                  retryDelay: 10,
                  deadLetterQueue: "meeting-relay-dlq",
                },
                "meeting-relay-deliveries": {
                  maxBatchSize: 6,
                  maxBatchTimeout: 1,
                  maxRetries: 100,
                  retryDelay: 10,
                  deadLetterQueue: "meeting-relay-dlq",
                },
                "meeting-relay-dlq": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 100, retryDelay: 60 },
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**"],
          setupFiles: ["./test/support/capture-setup.ts"],
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
