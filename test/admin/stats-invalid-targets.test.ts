import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { forgetCachedTargets } from "../../src/config/targets";
import { forgetWaiting, noteWaiting } from "../../src/delivery/waiting";
import { adminCall, resetAll } from "../event-log/support";

// While events wait on an invalid targets document, `/admin/stats` says so (how many, since when,
// the first problem), as the console does (docs/admin-api.md, Stats).
beforeEach(async () => {
  await resetAll();
  forgetCachedTargets();
  forgetWaiting();
});

describe("GET /admin/stats while the stored targets document is invalid", () => {
  it("says so: how many deliveries wait, since when, and the first problem", async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify([{ id: "crm", url: "ftp://crm.example.com/in" }]));
    const first = new Date(Date.now() - 5 * 60_000);
    await noteWaiting(
      env.RELAY_STATE,
      [
        { id: "m1", timestamp: first },
        { id: "m2", timestamp: new Date() },
      ],
      30_000,
    );
    const { response, body } = await adminCall("GET", "/admin/stats");
    expect(response.status).toBe(200);
    expect(body.targetsInvalid).toEqual({
      problem: { path: "$[0].url", message: "url must use https://, got ftp:" },
      problems: 1,
      waiting: { count: 2, since: first.toISOString(), approximate: true },
    });
  });

  it("says nothing of the kind while the document is valid (or absent)", async () => {
    expect((await adminCall("GET", "/admin/stats")).body.targetsInvalid).toBeNull();
    await env.RELAY_CONFIG.put("targets", JSON.stringify([{ id: "crm", url: "https://crm.example.com/in" }]));
    forgetCachedTargets();
    expect((await adminCall("GET", "/admin/stats")).body.targetsInvalid).toBeNull();
  });
});
