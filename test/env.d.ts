// Types for `import { env, exports } from "cloudflare:workers"` in tests.
import type { Env as RelayEnv } from "../src/core/env";

declare global {
  namespace Cloudflare {
    interface Env extends RelayEnv {
      /** The migrations in `migrations/`, read by vitest.config.ts. */
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    }
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
  }
}
