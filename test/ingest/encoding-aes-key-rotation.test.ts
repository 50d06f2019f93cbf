import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { previousMatches } from "../../src/event-log/credential-matches";
import { adminCall, resetAll } from "../event-log/support";
import { PARTICIPANT_JOINED } from "../fixtures/tencent-meeting-current";
import { TEST_BINDINGS } from "../support/bindings";
import { loggedLines } from "../support/log";
import { encryptTencent, tencentCheckRequest, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

/** acme's EncodingAESKey before the rotation: fake, 43 letters and digits. */
const OLD_KEY = "OldEncodingAesKey00000000000000000000000Acm";
const ROTATING = { TENCENT_MEETING_ENCODING_AES_KEY_ACME_PREVIOUS: OLD_KEY };
const path = "/webhooks/tencent-meeting/acme";
const token = TEST_BINDINGS.TENCENT_MEETING_TOKEN_ACME;

async function ingest(request: Request, overrides: Record<string, string | undefined> = {}) {
  const { result, lines } = await loggedLines(() => callWorker(request, overrides, { passThrough: false }));
  const { response, enqueued } = result;
  return {
    status: response.status,
    body: await response.text(),
    enqueued,
    line: lines.find((line) => line.kind === "ingest"),
  };
}

beforeEach(async () => {
  await resetAll();
  await previousMatches.flush(env.RELAY_LOG); // nothing left over from another test
  await env.RELAY_LOG.exec("DELETE FROM credential_matches");
});
afterEach(() => vi.restoreAllMocks());

describe("TENCENT_MEETING_ENCODING_AES_KEY_<ACCOUNT>_PREVIOUS", () => {
  it("answers a check_str encrypted with the old key while the previous one is set", async () => {
    const request = await tencentCheckRequest(await encryptTencent("old-key-check", OLD_KEY), { path, token });
    const { status, body, enqueued, line } = await ingest(request, ROTATING);
    expect({ status, body }).toEqual({ status: 200, body: "old-key-check" });
    expect(enqueued).toEqual([]);
    expect(line).toMatchObject({ outcome: "handshake", credential: "previous" });
  });

  it("queues an event encrypted with the old key, and counts it as the previous credential", async () => {
    const data = await encryptTencent(JSON.stringify(PARTICIPANT_JOINED), OLD_KEY);
    const { status, body, enqueued, line } = await ingest(await tencentEventRequest(data, { path, token }), ROTATING);
    expect({ status, body }).toEqual({ status: 200, body: "successfully received callback" });
    expect(enqueued.map((event) => event.id)).toEqual(["tencent-meeting:e7aa65dd-f7e6-4b62-912c-2035173b34a9:0"]);
    expect(line).toMatchObject({ outcome: "queued", credential: "previous" });

    await previousMatches.flush(env.RELAY_LOG);
    const stats = await adminCall("GET", "/admin/stats");
    const providers = stats.body.providers as Record<string, { previousCredential: unknown }>;
    expect(providers["tencent-meeting"]?.previousCredential).toEqual({ total: 1, accounts: { acme: 1 } });
  });

  it("still takes the current key's ciphertext as the current credential while rotating", async () => {
    const data = await encryptTencent(
      JSON.stringify(PARTICIPANT_JOINED),
      TEST_BINDINGS.TENCENT_MEETING_ENCODING_AES_KEY_ACME,
    );
    const { status, line } = await ingest(await tencentEventRequest(data, { path, token }), ROTATING);
    expect(status).toBe(200);
    expect(line).toMatchObject({ outcome: "queued", credential: "current" });
  });

  it("refuses the old key's ciphertext with 400 naming the secret once the previous one is unset", async () => {
    const data = await encryptTencent(JSON.stringify(PARTICIPANT_JOINED), OLD_KEY);
    const event = await ingest(await tencentEventRequest(data, { path, token }));
    const check = await ingest(
      await tencentCheckRequest(await encryptTencent("old-key-check", OLD_KEY), { path, token }),
    );
    const error = (field: string) =>
      JSON.stringify({
        error: `${field} could not be decrypted with TENCENT_MEETING_ENCODING_AES_KEY_ACME (it must equal the console's EncodingAESKey)`,
        code: "invalid_callback",
      });
    expect({ status: event.status, body: event.body }).toEqual({ status: 400, body: error("data") });
    expect({ status: check.status, body: check.body }).toEqual({ status: 400, body: error("check_str") });
    expect(event.enqueued).toEqual([]);
  });
});
