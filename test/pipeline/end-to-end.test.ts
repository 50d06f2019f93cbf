import { exports } from "cloudflare:workers";
import { CloudEvent } from "cloudevents";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VERSION } from "../../src/core/version";
import { mockFetch } from "../support/fetch";
import { watchLog } from "../support/log";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { SEED_DATA, tencentEventRequest } from "../support/tencent-meeting";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("signed Tencent callback → queue → consumer → signed delivery", () => {
  let intercept: ReturnType<typeof mockFetch>;
  beforeEach(async () => {
    await reset();
    intercept = mockFetch();
  });
  afterEach(() => intercept.restore());

  it("delivers the event once to each matching target, verifiable with standardwebhooks and cloudevents", async () => {
    await useTargets([
      {
        id: "crm",
        url: "https://crm.example.com/hooks",
        secret: SECRET,
        types: ["meeting.*"],
        headers: { "x-api-key": "k1" },
      },
      { id: "audit", url: "https://audit.example.com/in" },
      { id: "huawei-only", url: "https://h.example.com/in", providers: ["huawei-meeting"] },
    ]);

    const log = watchLog();
    const response = await exports.default.fetch(await tencentEventRequest(SEED_DATA));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("successfully received callback");

    // Once both matching targets have their attempt's line, every attempt has been made: none to huawei-only.
    await vi.waitFor(
      () =>
        expect(log.lines().filter((line) => line.kind === "delivery" && line.outcome === "delivered")).toHaveLength(2),
      { timeout: 10_000, interval: 50 },
    );
    log.restore();
    expect(intercept.requests.map((request) => request.url).sort()).toEqual([
      "https://audit.example.com/in",
      "https://crm.example.com/hooks",
    ]);
    const byUrl = new Map(intercept.requests.map((d) => [d.url, d]));
    const crm = byUrl.get("https://crm.example.com/hooks");
    const audit = byUrl.get("https://audit.example.com/in");
    if (!crm || !audit) throw new Error(`unexpected deliveries: ${[...byUrl.keys()].join(", ")}`);

    expect(crm.headers.get("content-type")).toBe("application/cloudevents+json; charset=utf-8");
    expect(crm.headers.get("user-agent")).toBe(`meeting-relay/${VERSION}`);
    expect(crm.headers.get("x-api-key")).toBe("k1");
    expect(crm.headers.get("webhook-id")).toBe("tencent-meeting:f20096ee-8ac8-4df2-a7de-0574649f211b:0");
    const verified = new Webhook(SECRET).verify(crm.body, Object.fromEntries(crm.headers)) as Record<string, unknown>;
    expect(verified.id).toBe("tencent-meeting:f20096ee-8ac8-4df2-a7de-0574649f211b:0");

    const cloudEvent = new CloudEvent(JSON.parse(crm.body));
    expect(cloudEvent.validate()).toBe(true);
    expect(cloudEvent.type).toBe("meeting.created");
    expect(cloudEvent.source).toBe("/webhooks/tencent-meeting");

    expect(audit.headers.get("webhook-signature")).toBeNull();
    expect(audit.body).toBe(crm.body);
  });

  it("delivers a platform retry of the same callback only once", async () => {
    await useTargets([{ id: "audit", url: "https://audit.example.com/in" }]);
    expect((await exports.default.fetch(await tencentEventRequest(SEED_DATA))).status).toBe(200);
    await vi.waitFor(() => expect(intercept.requests).toHaveLength(1), { timeout: 10_000, interval: 50 });

    // Tencent retries with the same unique_sequence (new timestamp and nonce).
    const retry = await tencentEventRequest(SEED_DATA, { nonce: "retry-nonce" });
    const log = watchLog();
    expect((await exports.default.fetch(retry)).status).toBe(200);
    // Fan-out has seen the repeat and dropped it: only then is "no second delivery" proven.
    await vi.waitFor(
      () => expect(log.lines()).toContainEqual(expect.objectContaining({ kind: "fan-out", outcome: "duplicate" })),
      { timeout: 10_000, interval: 50 },
    );
    log.restore();
    expect(intercept.requests).toHaveLength(1);
  });
});
