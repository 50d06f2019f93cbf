import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EVENT_LOG_UNREADABLE } from "../../src/admin/event-log-reads";
import { forgetCachedTargets } from "../../src/config/targets";
import { adminCall, logRows, resetAll } from "../event-log/support";
import { sampleEvent } from "../support/events";
import { useTargets } from "../support/targets";

const EVENT = sampleEvent("tencent-meeting:event-log-reads:0");

beforeEach(async () => {
  await resetAll();
  await logRows([{ event: EVENT, receivedAt: Date.now() }]);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("event-log routes when D1 cannot be read", () => {
  it.each([
    ["GET", "/admin/events"],
    ["GET", `/admin/events/${encodeURIComponent(EVENT.id)}`],
    ["GET", "/admin/stats"],
    ["POST", `/admin/events/${encodeURIComponent(EVENT.id)}/redeliver`],
  ])("%s %s answers 503 saying what to check, not 500", async (method, path) => {
    vi.spyOn(env.RELAY_LOG, "prepare").mockImplementation(() => {
      throw new Error("D1_ERROR: database unavailable");
    });
    const { response, body, deliveries } = await adminCall(method, path);
    expect(response.status).toBe(503);
    expect(body).toEqual({ error: EVENT_LOG_UNREADABLE, code: "event_log_unavailable" });
    expect(deliveries.sent).toEqual([]);
  });

  it("answers 503 for /admin/stats on a database an upgrade's migration was not applied to", async () => {
    await env.RELAY_LOG.exec("DROP TABLE credential_matches");
    const { response, body } = await adminCall("GET", "/admin/stats");
    expect(response.status).toBe(503);
    expect(body).toEqual({ error: EVENT_LOG_UNREADABLE, code: "event_log_unavailable" });
  });

  it("does not blame the event log for a redelivery whose targets KV could not read", async () => {
    await useTargets([{ id: "crm", url: "https://crm.example.com/in" }]);
    forgetCachedTargets();
    vi.spyOn(env.RELAY_CONFIG, "get").mockRejectedValue(new Error("KV GET failed: 503 Service Unavailable"));
    const { response, body, deliveries } = await adminCall("POST", `/admin/events/${EVENT.id}/redeliver`);
    expect(body).toEqual({ error: "internal error", code: "internal_error" });
    expect(response.status).toBe(500);
    expect(deliveries.sent).toEqual([]);
  });

  it("keeps a bad request's own 400", async () => {
    const { response, body } = await adminCall("GET", "/admin/stats?since=tomorrow");
    expect(response.status).toBe(400);
    expect(body.error).not.toBe(EVENT_LOG_UNREADABLE);
  });

  it("keeps the 200 of a readable log", async () => {
    const { response, body } = await adminCall("GET", "/admin/events");
    expect(response.status).toBe(200);
    expect((body.items as { id: string }[]).map((item) => item.id)).toEqual([EVENT.id]);
  });
});
