import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { DeliveryMessage } from "../../src/queue/messages";
import { consume } from "../support/queue";
import { adminPost, CRM, DELIVERIES, deadLetters, event, pending, usePauseFixture } from "./pause-support";

// A retry consumer keeps a delivery for its paused target, then sees that a resume lifted the pause
// meanwhile: it queues the delivery again, naming the record it wrote, and the consumer that takes the
// replay up deletes that record. KV takes one write per key per second, so a delete of the record in
// less than a second after it was written is refused (429) in production; the record then stays, and
// the target's next resume replays the delivery a second time.

const fixture = usePauseFixture();

/** Clock of the test: the queue's delays pass by moving it on. */
let offset = 0;
const realNow = Date.now.bind(Date);

/** KV as production keeps it: a second write to a key within a second of the first is refused. */
function oneWriteASecond(): void {
  const written = new Map<string, number>();
  const check = (key: string) => {
    const last = written.get(key);
    const now = Date.now();
    if (last !== undefined && now - last < 1000) throw new Error(`KV: "${key}" written twice within a second (429)`);
    written.set(key, now);
  };
  const put = env.RELAY_STATE.put.bind(env.RELAY_STATE);
  const remove = env.RELAY_STATE.delete.bind(env.RELAY_STATE);
  vi.spyOn(env.RELAY_STATE, "put").mockImplementation(async (key, value, options) => {
    check(key);
    // The resume lands just as the retry consumer keeps its delivery.
    if (key.startsWith("dead:crm.")) await remove("paused:crm");
    return put(key, value, options);
  });
  vi.spyOn(env.RELAY_STATE, "delete").mockImplementation(async (key) => {
    check(key);
    return remove(key);
  });
}

describe("a kept delivery replayed at once because its target was resumed meanwhile", () => {
  it("is delivered once, and its record is gone, so the next resume does not deliver it again", async () => {
    offset = 0;
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + offset);
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
    oneWriteASecond();

    const kept = await consume(DELIVERIES, [pending(1)]);
    expect(kept.acked).toEqual(["m0"]);
    expect(kept.deliveries.map((sent) => (sent.body as DeliveryMessage).keptAs)).toEqual([expect.any(String)]);

    // Queues hands the replay over once its delay has passed, and not before.
    offset += (kept.deliveries[0]?.delaySeconds ?? 0) * 1000;
    const taken = await consume(
      DELIVERIES,
      kept.deliveries.map((sent) => sent.body),
    );
    expect(taken.acked).toEqual(["m0"]);
    expect(fixture.sentTo(CRM).map((request) => request.headers.get("webhook-id"))).toEqual([event(1).id]);
    expect(await deadLetters("crm")).toEqual([]);

    // Later the operator pauses and resumes crm: nothing of event 1 is replayed.
    offset += 60_000;
    vi.mocked(env.RELAY_STATE.put).mockRestore();
    vi.mocked(env.RELAY_STATE.delete).mockRestore();
    await adminPost("/crm/pause");
    offset += 60_000;
    const resumed = await adminPost("/crm/resume");
    expect(resumed.body).toMatchObject({ replayed: 0 });
    expect(resumed.queued).toEqual([]);
  });
});
