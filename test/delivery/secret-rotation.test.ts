import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventMessage } from "../../src/queue/messages";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";

const NEW = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OLD = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const UNLISTED = "whsec_dGhpcmQtc2VjcmV0LTAwMDAwMDAx";
const fresh: EventMessage = { kind: "event", event: sampleEvent(), receivedAt: Date.now() };

let outbound: ReturnType<typeof mockFetch>;
beforeEach(async () => {
  await reset();
  outbound = mockFetch(() => new Response(null, { status: 204 }));
});
afterEach(() => outbound.restore());

describe("a target rotating its signing secret", () => {
  it("gets one delivery whose signatures standardwebhooks verifies with each listed secret", async () => {
    await useTargets([{ id: "crm", url: "https://crm.example.com/in", secret: [NEW, OLD] }]);
    const run = await consume("meeting-relay-events", [fresh]);
    expect(run.acked).toEqual(["m0"]);
    expect(outbound.requests).toHaveLength(1);
    const [request] = outbound.requests;
    const headers = Object.fromEntries(request?.headers ?? []);
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    for (const secret of [NEW, OLD])
      expect(new Webhook(secret).verify(request?.body ?? "", headers)).toEqual(sampleEvent());
    expect(() => new Webhook(UNLISTED).verify(request?.body ?? "", headers)).toThrow();
  });
});
