import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";

const WRANGLER_CONFIG = fileURLToPath(new URL("../../wrangler.toml", import.meta.url));

/** wrangler.toml as `wrangler deploy` reads it (wrangler's own parser and validation, no network). */
function deployedConfig() {
  return unstable_readConfig({ config: WRANGLER_CONFIG }, { hideWarnings: true });
}

describe("wrangler.toml [observability]", () => {
  it("keeps Workers Logs on", () => {
    expect(deployedConfig().observability?.enabled).toBe(true);
  });

  // Yunhuni's token travels in the notify URL's query (?token=…): logs must not record it.
  it("redacts query strings from the request URLs that logs and traces record", () => {
    expect(deployedConfig().observability?.redact_query_string).toBe(true);
  });
});
