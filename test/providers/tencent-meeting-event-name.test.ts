import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { candidatesOf } from "../../src/providers/candidates";
import { tencentMeeting } from "../../src/providers/tencent-meeting";
import { CLOCK, NOW, tencentInbound } from "../support/tencent-inbound";
import { base64Json, SEED_CALLBACK, TENCENT_TOKEN } from "../support/tencent-meeting";

const credentials = { tokens: candidatesOf(TENCENT_TOKEN) };

/** The seed callback signed with this event name, verified and normalized: its one event's type and providerevent. */
async function namesOf(event: string): Promise<{ type: string; providerevent: string }> {
  const result = await tencentMeeting.verify(
    await tencentInbound(base64Json({ ...SEED_CALLBACK, event })),
    credentials,
    CLOCK,
  );
  if (!result.ok) throw new Error(result.reason);
  const [draft] = await tencentMeeting.normalize(result.value, NOW);
  return { type: draft?.type ?? "", providerevent: draft?.providerevent ?? "" };
}

describe("a Tencent Meeting event name", () => {
  it("of 200 characters is kept whole, as an unknown event: tencent-meeting/<event>", async () => {
    const name = `meeting.${"a".repeat(192)}`;
    expect(name).toHaveLength(200);
    expect(await namesOf(name)).toEqual({ type: `tencent-meeting/${name}`, providerevent: name });
  });

  it("of 201 characters is cut to 200: its first 183, `…` and 16 hex digits of its SHA-256", async () => {
    const name = `meeting.${"a".repeat(193)}`;
    const cut = `${name.slice(0, 183)}…${(await sha256Hex(name)).slice(0, 16)}`;
    expect(cut).toHaveLength(200);
    expect(await namesOf(name)).toEqual({ type: `tencent-meeting/${cut}`, providerevent: cut });
  });

  it("too long keeps two names that share their beginning apart, and cuts one name the same way every time", async () => {
    const long = `meeting.${"a".repeat(1_000)}`;
    const first = await namesOf(`${long}1`);
    expect(first).not.toEqual(await namesOf(`${long}2`));
    expect(first).toEqual(await namesOf(`${long}1`));
  });

  it("too long is never cut between the halves of a surrogate pair", async () => {
    const name = `${"a".repeat(182)}${"😀".repeat(100)}`;
    const { providerevent } = await namesOf(name);
    expect(providerevent).toBe(`${"a".repeat(182)}…${(await sha256Hex(name)).slice(0, 16)}`);
    expect(JSON.stringify(providerevent)).not.toMatch(/\\ud8/);
  });

  it("known to the vocabulary is mapped as before", async () => {
    expect(await namesOf("meeting.participant-joined-waiting-room")).toEqual({
      type: "waiting_room.joined",
      providerevent: "meeting.participant-joined-waiting-room",
    });
  });
});
