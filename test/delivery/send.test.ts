import { afterEach, describe, expect, it } from "vitest";
import type { Target } from "../../src/config/targets";
import { VERSION } from "../../src/core/version";
import { sendToTarget } from "../../src/delivery/send";
import { mockFetch } from "../support/fetch";

let outbound: ReturnType<typeof mockFetch> | undefined;
afterEach(() => outbound?.restore());

describe("sendToTarget", () => {
  it("posts the CloudEvent with Standard Webhooks headers over the target's own", async () => {
    outbound = mockFetch(() => new Response(null, { status: 204 }));
    const target: Target = {
      id: "crm",
      url: "https://crm.example.com/in",
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      headers: { "x-api-key": "k1", "webhook-id": "spoofed", "content-type": "text/plain" },
    };
    const result = await sendToTarget(target, "evt-1", '{"id":"evt-1"}', Date.parse("2026-11-21T10:00:00Z"));
    expect(result).toMatchObject({ ok: true, status: 204 });
    const [request] = outbound.requests;
    expect(request?.headers.get("webhook-id")).toBe("evt-1");
    expect(request?.headers.get("webhook-timestamp")).toBe(String(Date.parse("2026-11-21T10:00:00Z") / 1000));
    expect(request?.headers.get("webhook-signature")).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(request?.headers.get("content-type")).toBe("application/cloudevents+json; charset=utf-8");
    expect(request?.headers.get("user-agent")).toBe(`meeting-relay/${VERSION}`);
    expect(request?.headers.get("x-api-key")).toBe("k1");
  });

  it("never follows a redirect: asks fetch not to, and counts a 3xx as a failure", async () => {
    const target: Target = { id: "crm", url: "https://crm.example.com/in" };
    // Answers as the platform would: a fetch left to follow redirects makes a second request itself.
    outbound = mockFetch((request) => {
      if (request.url !== target.url) return new Response(null, { status: 204 });
      if (request.redirect === "follow") return fetch("https://elsewhere.example.com/", { method: "POST" });
      return Response.redirect("https://elsewhere.example.com/", 302);
    });
    const result = await sendToTarget(target, "evt-1", "{}");
    expect(result).toMatchObject({ ok: false, status: 302, error: "redirect (HTTP 302) not followed" });
    // A followed redirect would be a second request, to a host the target's owner did not configure.
    expect(outbound.requests.map(({ url, redirect }) => ({ url, redirect }))).toEqual([
      { url: "https://crm.example.com/in", redirect: "manual" },
    ]);
  });

  it("reports a target it cannot sign for as a failure instead of throwing", async () => {
    outbound = mockFetch(() => new Response(null, { status: 204 }));
    // Bypasses the schema on purpose: the fan-out must survive anything a target holds.
    const target = { id: "bad", url: "https://bad.example.com/", secret: "whsec_a" } as Target;
    const result = await sendToTarget(target, "evt-1", "{}");
    expect(result).toMatchObject({ ok: false, status: undefined, retryAfterSeconds: undefined });
    expect(result.ok ? "" : result.error).toMatch(/^target configuration: /);
    expect(outbound.requests).toEqual([]);
  });
});
