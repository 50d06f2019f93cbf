import { describe, expect, it } from "vitest";
import type { Target } from "../../src/config/targets";
import { globMatches, targetWants } from "../../src/delivery/match";
import { sampleEvent } from "../support/events";
import { acceptEveryDelivery } from "../support/fetch";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";

const LINE_BREAK_TYPE = "tencent-whiteboard/Odd\nEvent";

describe("type globs", () => {
  it.each([
    ["*", "meeting.started"],
    ["*", ""],
    ["meeting.*", "meeting.started"],
    ["*.started", "meeting.started"],
    ["meeting.started", "meeting.started"],
    ["a*b*c", "a-b-c"],
  ])("%s matches %j", (pattern, value) => {
    expect(globMatches(pattern, value)).toBe(true);
  });

  it.each([
    ["meeting.*", "participant.joined"],
    ["meeting.started", "meeting.startedX"],
    ["meeting.started", "meetingXstarted"],
    ["a*b*c", "a-b-"],
    ["*.started", "meeting.ended"],
  ])("%s does not match %j", (pattern, value) => {
    expect(globMatches(pattern, value)).toBe(false);
  });

  it.each([
    ["*", LINE_BREAK_TYPE],
    ["tencent-whiteboard/*", LINE_BREAK_TYPE],
    ["*Event", "a\r\nEvent"],
    ["a*b", "a\u2028b"],
  ])("%s matches %j across line breaks", (pattern, value) => {
    expect(globMatches(pattern, value)).toBe(true);
  });

  it("wants an event whose type holds a line break when the target takes every type", () => {
    const target: Target = { id: "all", url: "https://all.example.com/in", types: ["*"] };
    expect(targetWants(target, sampleEvent(undefined, { type: LINE_BREAK_TYPE }))).toBe(true);
  });

  it('does not match a long type against a pattern of many stars that needs one more "a"', () => {
    expect(globMatches("*a".repeat(30), "a".repeat(29) + "b".repeat(10_000))).toBe(false);
  });
});

describe("fan-out of an event whose type holds a line break", () => {
  const outbound = acceptEveryDelivery();

  it('delivers it to a target with types ["*"] instead of calling it unrouted', async () => {
    await useTargets([{ id: "all", url: "https://all.example.com/in", types: ["*"] }]);
    const event = sampleEvent(undefined, { type: LINE_BREAK_TYPE });
    const run = await consume("meeting-relay-events", [{ kind: "event", event, receivedAt: Date.now() }]);
    expect(run.acked).toEqual(["m0"]);
    expect(outbound.requests.map((request) => request.url)).toEqual(["https://all.example.com/in"]);
  });
});
