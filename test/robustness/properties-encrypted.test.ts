/**
 * Property tests for Tencent Meeting's encrypted route (the suite's acme account has an EncodingAESKey):
 * correctly signed garbage never produces a 5xx and never enqueues; every correctly encrypted callback
 * is accepted, each payload item one event with a safe id and its `raw` intact.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../support/bindings";
import { encryptTencent, tencentCheckRequest, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

/** Hundreds of callbacks per property: what they enqueue is recorded, not handed to the local consumers. */
const RECORD_ONLY = { passThrough: false };

const RUNS = 120;
const jsonValue = fc.json({ maxDepth: 3 }).map((text) => JSON.parse(text) as unknown);
const jsonObject = fc
  .dictionary(fc.string({ unit: "binary", maxLength: 12 }), jsonValue, { maxKeys: 6 })
  .map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);
const anyText = fc.string({ unit: "binary", maxLength: 24 });

/** The encrypted account of the suite (TENCENT_MEETING_ENCODING_AES_KEY_ACME). */
const ENCRYPTED = { path: "/webhooks/tencent-meeting/acme", token: TEST_BINDINGS.TENCENT_MEETING_TOKEN_ACME };
const ACME_KEY = TEST_BINDINGS.TENCENT_MEETING_ENCODING_AES_KEY_ACME;

describe("tencent-meeting encrypted route: correctly signed garbage", () => {
  /** Signed values that are no callback: raw text, base64 of anything, ciphertext of anything, under either key. */
  const garbage = fc.oneof(
    fc.string({ unit: "binary", minLength: 1, maxLength: 120 }).map((text) => Promise.resolve(text)),
    fc.uint8Array({ minLength: 1, maxLength: 96 }).map((bytes) => Promise.resolve(btoa(String.fromCharCode(...bytes)))),
    fc.string({ unit: "binary", maxLength: 120 }).map((text) => encryptTencent(text, ACME_KEY)),
    fc.json().map((text) => encryptTencent(text, "otherKey00000000000000000000000000000000000")),
  );

  it("never answers 5xx and never enqueues what is not a callback", async () => {
    await fc.assert(
      fc.asyncProperty(garbage, fc.boolean(), async (value, asCheck) => {
        const data = await value;
        const request = asCheck
          ? await tencentCheckRequest(data, ENCRYPTED)
          : await tencentEventRequest(data, ENCRYPTED);
        const { response, enqueued } = await callWorker(request, {}, RECORD_ONLY);
        expect([200, 400]).toContain(response.status);
        if (asCheck || response.status === 400) expect(enqueued).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("accepts every encrypted callback, each payload item one event, raw intact", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(jsonObject, jsonValue), { minLength: 1, maxLength: 3 }),
        anyText,
        async (payload, traceId) => {
          const callback = { event: "meeting.participant-joined", trace_id: traceId, payload };
          const data = await encryptTencent(JSON.stringify(callback), ACME_KEY);
          const { response, enqueued } = await callWorker(await tencentEventRequest(data, ENCRYPTED), {}, RECORD_ONLY);
          expect(response.status).toBe(200);
          expect(enqueued.map((e) => e.data.raw)).toEqual(JSON.parse(JSON.stringify(payload)));
          for (const event of enqueued) expect(event.id).toMatch(/^[A-Za-z0-9._:-]{1,512}$/);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
