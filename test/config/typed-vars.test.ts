import { describe, expect, it } from "vitest";
import type { Env } from "../../src/core/env";
import { SettingsError } from "../../src/core/errors";
import { settingsOf } from "../../src/core/settings";
import { retainedSince } from "../../src/event-log/retention";
import { huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { loggedLines } from "../support/log";
import { callWorker } from "../support/worker";

// wrangler.toml `[vars]` written without quotes (`REPLAY_WINDOW_SECONDS = 300`,
// `RETRY_SCHEDULE = [10, 30]`) reach the Worker as a number or an array, not as text. Such a var was
// taken as unset: the operator's 5-minute replay window silently stayed a day. A var of seconds the
// operator set is read as set, whatever its type; one that is not whole seconds is refused.

const vars = (values: Record<string, unknown>) => values as unknown as Env;
const settings = (values: Record<string, unknown>) => settingsOf(vars(values));

describe("vars written without quotes in wrangler.toml", () => {
  it("reads numbers and arrays as the text they stand for", () => {
    expect(settings({ REPLAY_WINDOW_SECONDS: 300, DEDUP_TTL_SECONDS: 3600, RETRY_SCHEDULE: [10, 30] })).toMatchObject({
      replayWindowSeconds: 300,
      dedupTtlSeconds: 3600,
      retrySchedule: [10, 30],
    });
    expect(settings({ REPLAY_WINDOW_SECONDS: 0 }).replayWindowSeconds).toBe(0);
  });

  it.each([
    ["REPLAY_WINDOW_SECONDS", -1],
    ["REPLAY_WINDOW_SECONDS", 2.5],
    ["DEDUP_TTL_SECONDS", 1e21],
    ["RETRY_SCHEDULE", 1.5],
    ["RETRY_SCHEDULE", { first: 10 }],
  ])("refuses %s = %j, naming it", (name, value) => {
    const read = () => settings({ [name]: value });
    expect(read).toThrow(SettingsError);
    expect(read).toThrow(name);
  });

  it("refuses a callback signed 10 minutes ago when REPLAY_WINDOW_SECONDS = 300", async () => {
    const request = await huaweiRequest(huaweiEventInfo("meeting.started"), { timestamp: Date.now() - 600_000 });
    const { response, enqueued } = await callWorker(request, { REPLAY_WINDOW_SECONDS: 300 });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: "timestamp is outside the replay window",
      code: "signature_invalid",
    });
    expect(enqueued).toEqual([]);
  });

  it("keeps EVENT_LOG_RETENTION_DAYS = 7 as seven days, without a word of complaint", async () => {
    const now = Date.UTC(2026, 11, 6);
    const { result, lines } = await loggedLines(async () => retainedSince(vars({ EVENT_LOG_RETENTION_DAYS: 7 }), now));
    expect(result).toBe(now - 7 * 86_400_000);
    expect(lines).toEqual([]);
  });

  it("reads ALLOW_INSECURE_TARGETS = true as true", () => {
    expect(settings({ ALLOW_INSECURE_TARGETS: true }).allowInsecureTargets).toBe(true);
    expect(settings({ ALLOW_INSECURE_TARGETS: false }).allowInsecureTargets).toBe(false);
  });

  it("takes a Huawei callback for HUAWEI_MEETING_APP_ID = 12345678, and still refuses another subscriber's", async () => {
    const accepted = await callWorker(await huaweiRequest(huaweiEventInfo("meeting.started"), { appId: "12345678" }), {
      HUAWEI_MEETING_APP_ID: 12345678,
    });
    expect(accepted.response.status).toBe(200);
    expect(accepted.enqueued).toHaveLength(1);
    const refused = await callWorker(await huaweiRequest(huaweiEventInfo("meeting.started"), { appId: "87654321" }), {
      HUAWEI_MEETING_APP_ID: 12345678,
    });
    expect(refused.response.status).toBe(401);
    expect(refused.enqueued).toEqual([]);
  });
});
