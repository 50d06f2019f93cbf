import { describe, expect, it, vi } from "vitest";
import { matchingCredential } from "../../src/providers/candidates";
import { huaweiMeeting } from "../../src/providers/huawei-meeting";
import type { AnyProviderAdapter } from "../../src/providers/registry";
import { tencentMeeting } from "../../src/providers/tencent-meeting";
import { tencentSignature } from "../../src/providers/tencent-meeting/verify";
import { tencentWhiteboard } from "../../src/providers/tencent-whiteboard";
import type { Clock, InboundRequest } from "../../src/providers/types";
import { yunhuni } from "../../src/providers/yunhuni";
import { TEST_BINDINGS } from "../support/bindings";
import { lookupFrom, PREVIOUS_VALUES, UNKNOWN_SECRET } from "../support/credentials";
import { huaweiEventInfo, huaweiInbound } from "../support/huawei-meeting";
import { SEED_DATA } from "../support/tencent-meeting";
import { whiteboardEvent, whiteboardInbound } from "../support/tencent-whiteboard";
import { yunhuniInbound, yunhuniNotification } from "../support/yunhuni";

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const clock: Clock = { now: NOW, replayWindowSeconds: 3600 };

interface Case {
  adapter: AnyProviderAdapter;
  /** The rotated secret's name. */
  secret: keyof typeof PREVIOUS_VALUES;
  /** Other settings the provider needs. */
  vars: Record<string, string>;
  /** A correct request signed (or carrying) this value of the secret. */
  signedWith(value: string): Promise<InboundRequest>;
}

const CASES: Case[] = [
  {
    adapter: tencentMeeting,
    secret: "TENCENT_MEETING_TOKEN",
    vars: {},
    async signedWith(token) {
      const timestamp = String(NOW / 1000);
      const signature = await tencentSignature(token, timestamp, "1735688459", SEED_DATA);
      return {
        method: "POST",
        url: new URL("http://relay.test/webhooks/tencent-meeting"),
        rawQuery: "",
        headers: new Headers({ timestamp, nonce: "1735688459", signature }),
        body: JSON.stringify({ data: SEED_DATA }),
        clientIp: undefined,
      };
    },
  },
  {
    adapter: huaweiMeeting,
    secret: "HUAWEI_MEETING_APP_KEY",
    vars: { HUAWEI_MEETING_APP_ID: TEST_BINDINGS.HUAWEI_MEETING_APP_ID },
    signedWith: (appKey) => huaweiInbound(huaweiEventInfo("meeting.started"), { now: NOW, appKey }),
  },
  {
    adapter: yunhuni,
    secret: "YUNHUNI_TOKEN",
    vars: {},
    signedWith: async (token) => yunhuniInbound(yunhuniNotification("conf.joined"), { token }),
  },
  {
    adapter: tencentWhiteboard,
    secret: "TIW_CALLBACK_KEY",
    vars: {},
    signedWith: (key) =>
      whiteboardInbound(whiteboardEvent("TranscodeProgressChanged", { TaskId: "task-1" }), { now: NOW, key }),
  },
];

describe.each(CASES)("$adapter.name: a credential under rotation", ({ adapter, secret, vars, signedWith }) => {
  const current = TEST_BINDINGS[secret];
  const previous = PREVIOUS_VALUES[secret];
  const rotating = { ...vars, [secret]: current, [`${secret}_PREVIOUS`]: previous };
  const verify = async (settings: Record<string, string>, signedValue: string) =>
    adapter.verify(await signedWith(signedValue), adapter.credentials(lookupFrom(settings)), clock);

  it("accepts the current value while the previous one is set, and says so", async () => {
    expect(await verify(rotating, current)).toMatchObject({ ok: true, credential: "current" });
  });

  it("accepts the previous value while it is set, and says so", async () => {
    expect(await verify(rotating, previous)).toMatchObject({ ok: true, credential: "previous" });
  });

  it("refuses the previous value once it is no longer set", async () => {
    expect(await verify({ ...vars, [secret]: current }, previous)).toMatchObject({ ok: false, status: 401 });
  });

  it("refuses a value that is neither, while both are set", async () => {
    expect(await verify(rotating, UNKNOWN_SECRET)).toMatchObject({ ok: false, status: 401 });
  });

  it("says current when no previous value is set", async () => {
    expect(await verify({ ...vars, [secret]: current }, current)).toMatchObject({ ok: true, credential: "current" });
  });
});

describe("matchingCredential", () => {
  const candidates = [
    { slot: "current", value: "a" },
    { slot: "previous", value: "b" },
  ] as const;

  it("checks every candidate even when the first one matches", async () => {
    const matches = vi.fn((value: string) => value === "a");
    expect(await matchingCredential(candidates, matches)).toBe("current");
    expect(matches.mock.calls.map(([value]) => value)).toEqual(["a", "b"]);
  });

  it("names the candidate that matched", async () => {
    expect(await matchingCredential(candidates, (value) => value === "b")).toBe("previous");
  });

  it("is undefined when none matches", async () => {
    expect(await matchingCredential(candidates, async () => false)).toBeUndefined();
  });
});
