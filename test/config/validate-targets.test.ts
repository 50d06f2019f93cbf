import { describe, expect, it } from "vitest";
import { parseTargetsText, validateTargets } from "../../src/config/targets";
import { EXAMPLE_TARGET } from "../support/targets";

const strict = { allowInsecureTargets: false };
const insecure = { allowInsecureTargets: true };

describe("validateTargets", () => {
  it("accepts the documented example document as is", () => {
    const document = [EXAMPLE_TARGET, { id: "minimal_1", url: "https://example.com/x" }];
    expect(validateTargets(document, strict)).toEqual({ ok: true, targets: document });
    expect(validateTargets([], strict)).toEqual({ ok: true, targets: [] });
  });

  it("lists every problem at once, each with its JSON path, grouped by target", () => {
    const result = validateTargets(
      [
        { id: "crm", url: "https://a.example.com", secret: "whsec_short", extra: 1 },
        { id: "crm", url: "http://b.example.com", providers: ["zoom"], timeoutMs: 5.5 },
        { url: "ftp://c.example.com", headers: { "bad name": "x", ok: 5, "x-line": "a\r\nb" } },
        "not a target",
        ["crm", "https://d.example.com"],
        { id: "Bad Id!", url: "not a url", types: ["", 3], enabled: "yes" },
      ],
      strict,
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: "$[0].secret", message: "secret must be whsec_ followed by at least 16 base64 characters" },
        {
          path: "$[0].extra",
          message:
            'unknown field "extra" (allowed: id, url, kind, secret, types, providers, headers, timeoutMs, enabled)',
        },
        {
          path: "$[1].providers[0]",
          message: 'unknown provider "zoom" (known: tencent-meeting, huawei-meeting, yunhuni, tencent-whiteboard)',
        },
        { path: "$[1].timeoutMs", message: "timeoutMs must be a whole number" },
        { path: "$[1].timeoutMs", message: "timeoutMs must be at least 100" },
        { path: "$[1].id", message: 'duplicate id "crm"' },
        {
          path: "$[1].url",
          message: "url must use https:// (http:// is allowed only for localhost with ALLOW_INSECURE_TARGETS=true)",
        },
        { path: "$[2].id", message: "id is required" },
        { path: '$[2].headers["bad name"]', message: '"bad name" is not a valid HTTP header name' },
        { path: "$[2].headers.ok", message: "a header value must be a string, got a number" },
        {
          path: '$[2].headers["x-line"]',
          message: "a header value must not contain line breaks, control characters or lone surrogates",
        },
        { path: "$[2].url", message: "url must use https://, got ftp:" },
        {
          path: "$[3]",
          message: 'each target must be an object such as {"id": "crm", "url": "https://…"}, got a string',
        },
        {
          path: "$[4]",
          message: 'each target must be an object such as {"id": "crm", "url": "https://…"}, got an array',
        },
        { path: "$[5].id", message: 'id must be 1 to 64 characters of a-z, 0-9, _ and -, got "Bad Id!"' },
        { path: "$[5].url", message: "url must be an absolute URL such as https://example.com/hooks" },
        { path: "$[5].types[0]", message: "a type pattern must not be empty" },
        { path: "$[5].types[1]", message: "a type pattern must be a string, got a number" },
        { path: "$[5].enabled", message: "enabled must be true or false, got a string" },
      ],
    });
  });

  it("names the document itself when it is not an array", () => {
    expect(validateTargets({ id: "crm" }, strict)).toEqual({
      ok: false,
      problems: [{ path: "$", message: "the targets document must be a JSON array of targets, got an object" }],
    });
  });

  it("allows http://localhost and http://127.0.0.1 only with ALLOW_INSECURE_TARGETS", () => {
    const document = [
      { id: "a", url: "http://localhost:9000/sink" },
      { id: "b", url: "http://127.0.0.1:9000/sink" },
    ];
    expect(validateTargets(document, insecure).ok).toBe(true);
    expect(validateTargets(document, strict)).toEqual({
      ok: false,
      problems: [
        { path: "$[0].url", message: "http:// targets need ALLOW_INSECURE_TARGETS=true (local development only)" },
        { path: "$[1].url", message: "http:// targets need ALLOW_INSECURE_TARGETS=true (local development only)" },
      ],
    });
    expect(validateTargets([{ id: "c", url: "http://example.com/" }], insecure).ok).toBe(false);
  });

  it("never quotes a secret or a header value in a problem", () => {
    const result = validateTargets(
      [{ id: "a", url: "https://a.example", secret: "whsec_tooshort-VALUE", headers: { "x-api-key": 12345 } }],
      strict,
    );
    const text = JSON.stringify(result);
    expect(result.ok).toBe(false);
    expect(text).not.toContain("tooshort-VALUE");
    expect(text).not.toContain("12345");
  });
});

const TARGET = { id: "crm", url: "https://crm.example.com/hooks" };
const NEW = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OLD = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const THIRD = "whsec_dGhpcmQtc2VjcmV0LTAwMDAwMDAx";

describe("a target's secret during a rotation", () => {
  it("accepts an array of one to three whsec_ secrets", () => {
    for (const secret of [[NEW], [NEW, OLD], [NEW, OLD, THIRD]]) {
      expect(validateTargets([{ ...TARGET, secret }], strict)).toEqual({ ok: true, targets: [{ ...TARGET, secret }] });
    }
  });

  it("refuses an empty array", () => {
    expect(validateTargets([{ ...TARGET, secret: [] }], strict)).toEqual({
      ok: false,
      problems: [{ path: "$[0].secret", message: "secret must list at least one whsec_ secret" }],
    });
  });

  it("refuses a fourth secret", () => {
    expect(validateTargets([{ ...TARGET, secret: [NEW, OLD, THIRD, NEW] }], strict)).toEqual({
      ok: false,
      problems: [{ path: "$[0].secret", message: "secret lists at most 3 secrets" }],
    });
  });

  it("names the entry of the array that is not a whsec_ secret, without quoting it", () => {
    expect(validateTargets([{ ...TARGET, secret: [NEW, "whsec_short-VALUE"] }], strict)).toEqual({
      ok: false,
      problems: [
        { path: "$[0].secret[1]", message: "secret must be whsec_ followed by at least 16 base64 characters" },
      ],
    });
  });

  it("refuses a secret that is neither a string nor an array", () => {
    expect(validateTargets([{ ...TARGET, secret: 42 }], strict)).toEqual({
      ok: false,
      problems: [
        {
          path: "$[0].secret",
          message:
            'secret must be a whsec_ string or an array of up to 3 of them, such as ["whsec_new…", "whsec_old…"], got a number',
        },
      ],
    });
  });
});

describe("reserved headers", () => {
  it.each([
    "content-type",
    "Content-Length",
    "HOST",
    "transfer-encoding",
    "User-Agent",
    "webhook-id",
    "Webhook-Signature",
    "webhook-anything",
  ])("refuses %s, naming it", (name) => {
    expect(validateTargets([{ ...TARGET, headers: { [name]: "x" } }], strict)).toEqual({
      ok: false,
      problems: [
        {
          path: expect.stringContaining(name),
          message: `header "${name}" is set by the relay and cannot be overridden (reserved: content-type, content-length, host, transfer-encoding, user-agent, webhook-*)`,
        },
      ],
    });
  });

  it.each(["x-api-key", "authorization", "x-webhook-id", "webhooks"])("accepts %s", (name) => {
    expect(validateTargets([{ ...TARGET, headers: { [name]: "x" } }], strict).ok).toBe(true);
  });
});

describe("parseTargetsText", () => {
  it("treats an unset key as no targets", () => {
    expect(parseTargetsText(null, strict)).toEqual({ ok: true, targets: [] });
  });

  it("reports text that is not JSON as one problem at $, saying where but not quoting it", () => {
    const result = parseTargetsText(`[{"id": "a", "secret": "whsec_x" oops}]`, strict);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toEqual([
      { path: "$", message: "targets is not valid JSON: line 1, column 34" },
    ]);
    const quoted = parseTargetsText("nope-whsec", strict);
    expect(JSON.stringify(quoted)).not.toContain("nope-whsec");
  });
});

describe("chat targets", () => {
  /** The chat target of docs/chat-targets.md. */
  const FEISHU = {
    id: "team-chat",
    kind: "feishu",
    url: "https://open.feishu.cn/open-apis/bot/v2/hook/8f3c2a7e-token",
    secret: "the-bots-signing-secret",
    types: ["meeting.started", "meeting.ended", "recording.*"],
    locale: "zh-CN",
    rateLimit: { perMinute: 20 },
    templates: { "meeting.started": "{{data.meeting.subject}} 开始了" },
  };

  it("accepts each kind, with only an id, a kind and a url required", () => {
    const document = [
      FEISHU,
      { id: "dt", kind: "dingtalk", url: "https://oapi.dingtalk.com/robot/send?access_token=x", secret: "SECx" },
      { id: "wc", kind: "wecom", url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", locale: "en" },
      { id: "sl", kind: "slack", url: "https://hooks.slack.com/services/T/B/x", rateLimit: { perSecond: 1 } },
      { id: "hook", kind: "webhook", url: "https://example.com/x" },
    ];
    expect(validateTargets(document, strict)).toEqual({ ok: true, targets: document });
  });

  it("refuses what a chat target cannot have, saying why, without quoting the secret", () => {
    const result = validateTargets(
      [
        { ...FEISHU, headers: { "x-api-key": "k" }, secret: "" },
        { id: "wc", kind: "wecom", url: "https://qyapi.weixin.qq.com/x", secret: "wecom-SECRET-value" },
        { id: "sl", kind: "slack", url: "http://hooks.slack.com/x", locale: "fr", rateLimit: { perMinute: 0, x: 1 } },
        {
          id: "dt",
          kind: "dingtalk",
          url: "https://oapi.dingtalk.com/x",
          templates: { "*": "{{a | upper}}", "": "x" },
        },
        { id: "hook", url: "https://example.com/x", locale: "en", templates: {} },
        { id: "teams", kind: "teams", url: "https://example.com/x" },
      ],
      strict,
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: "$[0].secret", message: "secret must not be empty" },
        { path: "$[0].headers", message: "headers cannot be set on a feishu target: the bot's URL is all it takes" },
        {
          path: "$[1].secret",
          message: "a wecom target takes no secret: WeCom group robots do not sign requests (the URL is the secret)",
        },
        { path: "$[2].locale", message: 'unknown locale "fr" (known: zh-CN, en)' },
        { path: "$[2].rateLimit.perMinute", message: "rateLimit.perMinute must be at least 1" },
        { path: "$[2].rateLimit.x", message: 'unknown field "x" in rateLimit (allowed: perMinute, perSecond)' },
        {
          path: "$[2].url",
          message: "url must use https:// (http:// is allowed only for localhost with ALLOW_INSECURE_TARGETS=true)",
        },
        {
          path: '$[3].templates["*"]',
          message: "a template may hold only {{dotted.path}} placeholders such as {{data.meeting.subject}}",
        },
        { path: '$[3].templates[""]', message: "a template's type pattern must not be empty" },
        {
          path: "$[4].locale",
          message: "locale applies to chat targets only: set kind to one of feishu, dingtalk, wecom, slack",
        },
        { path: "$[5].kind", message: 'kind must be one of webhook, feishu, dingtalk, wecom, slack, got "teams"' },
      ],
    });
    expect(JSON.stringify(result)).not.toContain("wecom-SECRET-value");
  });

  it("allows http://localhost for a chat target only with ALLOW_INSECURE_TARGETS", () => {
    const local = [{ id: "bot", kind: "slack", url: "http://127.0.0.1:9000/slack" }];
    expect(validateTargets(local, insecure).ok).toBe(true);
    expect(validateTargets(local, strict).ok).toBe(false);
  });
});
