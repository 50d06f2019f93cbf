import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ChatContent } from "../../src/delivery/chat/content";
import { slackText } from "../../src/delivery/chat/escape";
import { cutChars, escapedWithin, fitted } from "../../src/delivery/chat/fit";

/** Characters a chat may escape into longer text, and two-unit emoji. */
const TRICKY = fc.string({ unit: fc.constantFrom("&", "<", ">", "😀", "a", "中", "@", ".", " ") });

describe("escapedWithin", () => {
  it("is within the limit in UTF-16 units and code points, and cut no further than it needs", () => {
    fc.assert(
      fc.property(TRICKY, fc.integer({ min: 1, max: 200 }), (text, max) => {
        const escaped = escapedWithin(text, slackText, max);
        expect(escaped.length).toBeLessThanOrEqual(max);
        expect(Array.from(escaped).length).toBeLessThanOrEqual(max);
        if (escaped === slackText(text)) return;
        // One character more, escaped, would not fit.
        const kept = Array.from(escaped.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">"));
        const shown = kept.filter((char) => char !== "\u200b").length;
        expect(slackText(cutChars(text, shown + 1)).length).toBeGreaterThan(max);
      }),
    );
  });
});

describe("fitted", () => {
  const escapedTitle = (content: ChatContent) => slackText(content.title);

  it("cuts the headline alone until it fits, when escaping makes even the short one too long", () => {
    const content: ChatContent = { title: "&".repeat(300), lines: [], links: [] };
    const message = fitted(content, escapedTitle, (text) => text.length, 20);
    expect(message.length).toBeLessThanOrEqual(20);
    expect(message.endsWith("…")).toBe(true);
  });

  it("says so when no headline fits the limit", () => {
    const content: ChatContent = { title: "&&&", lines: [], links: [] };
    expect(() => fitted(content, escapedTitle, (text) => text.length, 0)).toThrow(/too small/);
  });
});
