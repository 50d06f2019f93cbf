import { reset } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { CloudEvent } from "cloudevents";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VERSION } from "../../src/version";
import { interceptDeliveries, useTargets } from "../support/targets";
import { SEED_DATA, tencentEventRequest } from "../support/tencent-meeting";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("signed Tencent callback → queue → consumer → signed delivery", () => {
  let intercept: ReturnType<typeof interceptDeliveries>;
  beforeEach(async () => {
    await reset();
    intercept = interceptDeliveries();
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

    const response = await exports.default.fetch(await tencentEventRequest(SEED_DATA));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("successfully received callback");

    await vi.waitFor(() => expect(intercept.delivered).toHaveLength(2), { timeout: 10_000, interval: 50 });
    const byUrl = new Map(intercept.delivered.map((d) => [d.url, d]));
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
    await vi.waitFor(() => expect(intercept.delivered).toHaveLength(1), { timeout: 10_000, interval: 50 });

    // Tencent retries with the same unique_sequence (new timestamp and nonce).
    const retry = await tencentEventRequest(SEED_DATA, { nonce: "retry-nonce" });
    expect((await exports.default.fetch(retry)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(intercept.delivered).toHaveLength(1);
  });
});
