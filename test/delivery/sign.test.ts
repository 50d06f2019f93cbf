import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { signWebhook } from "../../src/delivery/sign";

const NEW = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OLD = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const THIRD = "whsec_dGhpcmQtc2VjcmV0LTAwMDAwMDAx";
const ID = "tencent-meeting:seq-1:0";
const BODY = '{"id":"tencent-meeting:seq-1:0"}';

/** Headers as a target receives them, signed now (standardwebhooks refuses stale timestamps). */
async function headersFor(secret: string | string[]) {
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    "webhook-id": ID,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signWebhook(secret, ID, timestamp, BODY),
  };
}

describe("signWebhook", () => {
  it("signs with one secret: one v1 signature that standardwebhooks verifies", async () => {
    const headers = await headersFor(NEW);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(NEW).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it("signs with each secret of an array: space-separated, each verified by standardwebhooks alone", async () => {
    const headers = await headersFor([NEW, OLD, THIRD]);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(3);
    for (const secret of [NEW, OLD, THIRD]) expect(new Webhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it("keeps the array's order", async () => {
    const timestamp = 1_763_726_400;
    const both = await signWebhook([NEW, OLD], ID, timestamp, BODY);
    const each = [await signWebhook(NEW, ID, timestamp, BODY), await signWebhook(OLD, ID, timestamp, BODY)];
    expect(both).toBe(each.join(" "));
  });

  it("gives an array of one the same header as the secret alone", async () => {
    expect(await signWebhook([NEW], ID, 1_763_726_400, BODY)).toBe(await signWebhook(NEW, ID, 1_763_726_400, BODY));
  });

  it("is refused by standardwebhooks for a secret it does not list", async () => {
    const headers = await headersFor([NEW, OLD]);
    expect(() => new Webhook(THIRD).verify(BODY, headers)).toThrow();
  });

  it("throws for a secret that is not base64, whichever place it has", async () => {
    await expect(signWebhook([NEW, "whsec_a"], ID, 1, BODY)).rejects.toThrow("not base64");
  });
});
