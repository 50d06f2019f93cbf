import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/core/env";
import { SettingsError } from "../../src/core/errors";
import { settingsOf } from "../../src/core/settings";
import { markerTtlSeconds, remember, seenBefore } from "../../src/delivery/dedup";
import { huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { callWorker } from "../support/worker";

// A dedup marker is a KV key that expires after DEDUP_TTL_SECONDS. KV takes an expiry of at most
// 2147483647 seconds; past that every marker write fails, each event is delivered without being
// remembered, and every platform retry or replay inside the replay window goes out again. A value the
// relay accepts must be one a marker can be written with; a larger one is refused like any bad var.

const settings = (vars: Record<string, string>) => settingsOf(vars as unknown as Env);

describe("DEDUP_TTL_SECONDS: only what a dedup marker can be kept for", () => {
  it.each(["60", "86400", "31536000", "2147483647", "2147483648", "3000000000", "99999999999"])(
    "%s is either refused or written as a marker",
    async (ttl) => {
      let accepted: number;
      try {
        accepted = settings({ DEDUP_TTL_SECONDS: ttl, REPLAY_WINDOW_SECONDS: "60" }).dedupTtlSeconds;
      } catch (error) {
        expect(error).toBeInstanceOf(SettingsError);
        expect((error as Error).message).toMatch(/^DEDUP_TTL_SECONDS /);
        return;
      }
      const id = `dedup-ttl-limit-${ttl}`;
      await remember(env.RELAY_STATE, id, markerTtlSeconds(accepted));
      expect(await seenBefore(env.RELAY_STATE, id)).toBe(true);
    },
  );

  it("takes the largest expiry KV takes", () => {
    expect(settings({ DEDUP_TTL_SECONDS: "2147483647" }).dedupTtlSeconds).toBe(2_147_483_647);
  });

  it("answers a callback 503 naming the var when it is larger, and queues nothing", async () => {
    const request = await huaweiRequest(huaweiEventInfo("meeting.started"));
    const { response, enqueued } = await callWorker(request, { DEDUP_TTL_SECONDS: "3000000000" });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: string; code: string };
    expect(body.code).toBe("relay_misconfigured");
    expect(body.error).toContain("DEDUP_TTL_SECONDS");
    expect(enqueued).toEqual([]);
  });
});
