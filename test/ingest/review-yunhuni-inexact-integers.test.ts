import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { callWorker } from "../support/worker";
import { CONFERENCE_ID, yunhuniRequest } from "../support/yunhuni";

const JOIN_TIME = 1_763_726_460_000;

/** A `conf.joined` notification written as JSON text, so a `call_id` sent as a number keeps every digit. */
function joined(callId: string): string {
  return `{"action":"event_notify","event":"conf.joined","id":"${CONFERENCE_ID}","join_time":${JOIN_TIME},"call_id":${callId},"part_uri":"13800000000","user_data":null}`;
}

const post = (body: string) => callWorker(yunhuniRequest(undefined, { body }));

describe("Yunhuni: a call_id sent as an integer past 2^53, which parsing rounds", () => {
  it("two participants joining in the same millisecond get two events, not one dropped as a repeat", async () => {
    const first = await post(joined("12345678901234567891"));
    const second = await post(joined("12345678901234567892"));
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    expect(first.enqueued).toHaveLength(1);
    expect(second.enqueued).toHaveLength(1);
    expect(second.enqueued[0]?.id).not.toBe(first.enqueued[0]?.id);
  });

  it("keeps its id when Yunhuni sends the same notification again", async () => {
    const first = await post(joined("98765432109876543210"));
    const again = await post(joined("98765432109876543210"));
    expect(again.enqueued[0]?.id).toBe(first.enqueued[0]?.id);
    expect(first.enqueued[0]?.id).toMatch(/^yunhuni:[0-9a-f]{64}$/);
  });

  it("a notification without such numbers keeps the id it always had", async () => {
    const { enqueued } = await post(joined('"40a1b2c3d4e5f60718293a4b5c6d7e8f"'));
    const identity = ["conf.joined", CONFERENCE_ID, "40a1b2c3d4e5f60718293a4b5c6d7e8f", null, null, JOIN_TIME, null];
    expect(enqueued[0]?.id).toBe(`yunhuni:${await sha256Hex(JSON.stringify(identity))}`);
  });
});
