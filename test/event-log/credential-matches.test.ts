import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { previousMatches } from "../../src/event-log/credential-matches";
import { TEST_BINDINGS } from "../support/bindings";
import { PREVIOUS_VALUES } from "../support/credentials";
import { sampleEvent } from "../support/events";
import { loggedLines } from "../support/log";
import { consume } from "../support/queue";
import { SEED_DATA, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";
import { adminCall, resetAll, tableRows } from "./support";

/** The relay mid-rotation: the base route's and acme's previous tokens still accepted. */
const ROTATING = {
  TENCENT_MEETING_TOKEN_PREVIOUS: PREVIOUS_VALUES.TENCENT_MEETING_TOKEN,
  TENCENT_MEETING_TOKEN_ACME_PREVIOUS: "tmtoken-acme-previous-0001",
};
const base = (token: string) => tencentEventRequest(SEED_DATA, { token });
const acme = (token: string) => tencentEventRequest(SEED_DATA, { token, path: "/webhooks/tencent-meeting/acme" });

async function previousCredential(provider = "tencent-meeting") {
  await previousMatches.flush(env.RELAY_LOG); // what this isolate still holds
  const { body } = await adminCall("GET", "/admin/stats");
  return (body.providers as Record<string, { previousCredential: unknown }>)[provider]?.previousCredential;
}

beforeEach(async () => {
  await resetAll();
  await previousMatches.flush(env.RELAY_LOG); // nothing left over from another test
  await env.RELAY_LOG.exec("DELETE FROM credential_matches");
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("callbacks verified with a _PREVIOUS credential are counted for /admin/stats", () => {
  it("counts each accepted callback signed with a previous token, per account", async () => {
    for (const request of [base, base, acme]) {
      const token =
        request === base ? PREVIOUS_VALUES.TENCENT_MEETING_TOKEN : ROTATING.TENCENT_MEETING_TOKEN_ACME_PREVIOUS;
      const { response, enqueued } = await callWorker(await request(token), ROTATING);
      expect(response.status).toBe(200);
      expect(enqueued).toHaveLength(1);
    }
    expect(await previousCredential()).toEqual({ total: 3, accounts: { "": 2, acme: 1 } });
    expect(await previousCredential("yunhuni")).toEqual({ total: 0, accounts: {} });
  });

  it("does not count a callback signed with the current token as previous", async () => {
    const { response } = await callWorker(await base(TEST_BINDINGS.TENCENT_MEETING_TOKEN), ROTATING);
    expect(response.status).toBe(200);
    expect(await previousCredential()).toEqual({ total: 0, accounts: {} });
    const { results } = await env.RELAY_LOG.prepare("SELECT * FROM credential_matches").all();
    expect(results).toEqual([]);
  });

  it("does not count a refused callback, even while a previous token is set", async () => {
    const { response } = await callWorker(await base("never-a-credential-00000001"), ROTATING);
    expect(response.status).toBe(401);
    expect(await previousCredential()).toEqual({ total: 0, accounts: {} });
  });

  it("answers the same when writing the counter fails after the response, and only logs the failure", async () => {
    // A minute on, so that this isolate's write is due at once (whatever earlier tests wrote).
    const now = Date.now() + 60_000;
    vi.spyOn(Date, "now").mockReturnValue(now);
    const batch = vi.spyOn(env.RELAY_LOG, "batch").mockRejectedValue(new Error("D1_ERROR: unavailable"));
    const request = await base(PREVIOUS_VALUES.TENCENT_MEETING_TOKEN);
    const { result, lines } = await loggedLines(() => callWorker(request, ROTATING));
    expect(result.response.status).toBe(200);
    expect(await result.response.text()).toBe("successfully received callback");
    expect(result.enqueued).toHaveLength(1);
    expect(batch).toHaveBeenCalled();
    expect(lines).toContainEqual({
      kind: "event-log",
      outcome: "write-failed",
      reason: "D1_ERROR: unavailable",
      table: "credential_matches",
    });
  });
});

describe("a queue invocation writes the previous-credential counts its isolate still holds", () => {
  it("in a batch of its own", async () => {
    previousMatches.count({ provider: "tencent-meeting", account: "" });
    await consume("meeting-relay-events", [{ kind: "event", event: sampleEvent(), receivedAt: Date.now() }]);
    expect(previousMatches.pending).toBe(0);
    expect(await previousCredential()).toEqual({ total: 1, accounts: { "": 1 } });
  });

  it("so a database without the table (migration 0002 not applied) still gets the events and attempts", async () => {
    await env.RELAY_LOG.exec("DROP TABLE credential_matches");
    previousMatches.count({ provider: "tencent-meeting", account: "" });
    const { lines } = await loggedLines(() =>
      consume("meeting-relay-events", [{ kind: "event", event: sampleEvent(), receivedAt: Date.now() }]),
    );
    expect(await tableRows("events")).toHaveLength(1);
    expect(lines).toContainEqual(
      expect.objectContaining({ kind: "event-log", outcome: "write-failed", table: "credential_matches" }),
    );
  });
});
