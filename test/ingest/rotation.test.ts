import { describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../support/bindings";
import { PREVIOUS_VALUES, UNKNOWN_SECRET } from "../support/credentials";
import { huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { loggedLines } from "../support/log";
import { SEED_DATA, tencentEventRequest } from "../support/tencent-meeting";
import { whiteboardEvent, whiteboardRequest } from "../support/tencent-whiteboard";
import { callWorker } from "../support/worker";
import { yunhuniNotification, yunhuniRequest } from "../support/yunhuni";

/** Each provider's rotated secret and a correct request carrying a given value of it. */
const CASES: { name: string; secret: keyof typeof PREVIOUS_VALUES; request(value: string): Promise<Request> }[] = [
  {
    name: "tencent-meeting",
    secret: "TENCENT_MEETING_TOKEN",
    request: (token) => tencentEventRequest(SEED_DATA, { token }),
  },
  {
    name: "huawei-meeting",
    secret: "HUAWEI_MEETING_APP_KEY",
    request: (appKey) => huaweiRequest(huaweiEventInfo("meeting.started"), { appKey }),
  },
  {
    name: "yunhuni",
    secret: "YUNHUNI_TOKEN",
    request: async (token) => yunhuniRequest(yunhuniNotification("conf.joined"), { token }),
  },
  {
    name: "tencent-whiteboard",
    secret: "TIW_CALLBACK_KEY",
    request: (key) => whiteboardRequest(whiteboardEvent("TranscodeProgressChanged", { TaskId: "task-1" }), { key }),
  },
];

async function ingest(request: Request, overrides: Record<string, string | undefined> = {}) {
  const { result, lines } = await loggedLines(() => callWorker(request, overrides));
  return { ...result, line: lines.find((line) => line.kind === "ingest") };
}

describe.each(CASES)("$name while $secret is rotated", ({ secret, request }) => {
  const previous = { [`${secret}_PREVIOUS`]: PREVIOUS_VALUES[secret] };

  it("queues a callback signed with the previous value and logs that the previous one matched", async () => {
    const { response, enqueued, line } = await ingest(await request(PREVIOUS_VALUES[secret]), previous);
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    expect(line).toMatchObject({ outcome: "queued", credential: "previous" });
  });

  it("queues a callback signed with the current value and logs that the current one matched", async () => {
    const { response, enqueued, line } = await ingest(await request(TEST_BINDINGS[secret]), previous);
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    expect(line).toMatchObject({ outcome: "queued", credential: "current" });
  });

  it("refuses the previous value once the _PREVIOUS secret is deleted, queueing nothing", async () => {
    const { response, enqueued } = await ingest(await request(PREVIOUS_VALUES[secret]));
    expect(response.status).toBe(401);
    expect(enqueued).toEqual([]);
  });

  it("refuses a value that is neither, queueing nothing", async () => {
    const { response, enqueued } = await ingest(await request(UNKNOWN_SECRET), previous);
    expect(response.status).toBe(401);
    expect(enqueued).toEqual([]);
  });
});

describe("rotation per account", () => {
  const acme = (token: string) => tencentEventRequest(SEED_DATA, { token, path: "/webhooks/tencent-meeting/acme" });

  it("reads the account's previous value from <credential>_<ACCOUNT>_PREVIOUS", async () => {
    const { response, enqueued, line } = await ingest(await acme("tmtoken-acme-previous-0001"), {
      TENCENT_MEETING_TOKEN_ACME_PREVIOUS: "tmtoken-acme-previous-0001",
    });
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    expect(line).toMatchObject({ account: "acme", credential: "previous" });
  });

  it("does not take the base credential's previous value for an account", async () => {
    const { response, enqueued } = await ingest(await acme(PREVIOUS_VALUES.TENCENT_MEETING_TOKEN), {
      TENCENT_MEETING_TOKEN_PREVIOUS: PREVIOUS_VALUES.TENCENT_MEETING_TOKEN,
    });
    expect(response.status).toBe(401);
    expect(enqueued).toEqual([]);
  });

  it.each(["previous", "acme_previous"])("has no account named %s: 404, nothing queued", async (account) => {
    const { response, enqueued } = await ingest(
      await tencentEventRequest(SEED_DATA, {
        token: PREVIOUS_VALUES.TENCENT_MEETING_TOKEN,
        path: `/webhooks/tencent-meeting/${account}`,
      }),
      { TENCENT_MEETING_TOKEN_PREVIOUS: PREVIOUS_VALUES.TENCENT_MEETING_TOKEN },
    );
    expect(response.status).toBe(404);
    expect(enqueued).toEqual([]);
  });

  it("does not list a previous value as an account in /healthz", async () => {
    const { response } = await callWorker(new Request("http://relay.test/healthz"), {
      TENCENT_MEETING_TOKEN_PREVIOUS: PREVIOUS_VALUES.TENCENT_MEETING_TOKEN,
      TENCENT_MEETING_TOKEN_ACME_PREVIOUS: "tmtoken-acme-previous-0001",
    });
    expect(await response.json()).toMatchObject({ accounts: { "tencent-meeting": 1 } });
  });
});
