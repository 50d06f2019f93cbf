import { describe, expect, it } from "vitest";
import { loggedLines } from "../support/log";
import { base64Json, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

describe("the ingest log line is bounded", () => {
  it("a callback of 100 items with a 20,000-character event name logs each type cut to 200 characters", async () => {
    const name = "x".repeat(20_000);
    const data = base64Json({ event: name, trace_id: "log-bound", payload: Array.from({ length: 100 }, () => ({})) });
    const request = await tencentEventRequest(data);
    const { result, lines } = await loggedLines(() => callWorker(request));
    expect(result.response.status).toBe(200);
    const line = lines.find((logged) => logged.kind === "ingest") ?? {};
    expect(line.outcome).toBe("queued");
    expect((line.types as string[]).map((type) => type.length)).toEqual(Array(100).fill(201));
    expect(JSON.stringify(line).length).toBeLessThan(32 * 1024);
  });
});
