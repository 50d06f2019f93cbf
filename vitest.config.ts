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
            miniflare: { bindings: TEST_BINDINGS },
          }),
        ],
        test: { name: "workers", include: ["test/**/*.test.ts"], exclude: ["test/e2e/**"] },
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
