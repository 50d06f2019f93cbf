import { describe, expect, it } from "vitest";
import committed from "../../schema/targets.schema.json";
import { targetsJsonSchema } from "../../src/config/targets-json-schema";

interface Option {
  required: string[];
  additionalProperties: boolean;
  properties: Record<string, Record<string, unknown>>;
}

describe("schema/targets.schema.json", () => {
  it("is exactly what `npm run schema` generates from the valibot schema (run it after changing the schema)", () => {
    expect(committed).toEqual(targetsJsonSchema());
  });

  it("describes the documented document: id and url required, nothing unknown allowed", () => {
    const schema = targetsJsonSchema() as { type: string; items: { oneOf: Option[] } };
    expect(schema.type).toBe("array");
    const [webhook] = schema.items.oneOf;
    expect(webhook?.required).toEqual(["id", "url"]);
    expect(webhook?.additionalProperties).toBe(false);
    expect(Object.keys(webhook?.properties ?? {})).toEqual([
      "id",
      "url",
      "kind",
      "secret",
      "types",
      "providers",
      "headers",
      "timeoutMs",
      "enabled",
    ]);
  });

  it("describes each chat kind: kind required, no headers, a plain secret only where the bot signs", () => {
    const schema = targetsJsonSchema() as { items: { oneOf: Option[] } };
    const chats = schema.items.oneOf.slice(1);
    expect(chats.map((option) => option.properties.kind)).toEqual([
      expect.objectContaining({ const: "feishu" }),
      expect.objectContaining({ const: "dingtalk" }),
      expect.objectContaining({ const: "wecom" }),
      expect.objectContaining({ const: "slack" }),
    ]);
    const base = [
      "id",
      "url",
      "kind",
      "types",
      "providers",
      "timeoutMs",
      "enabled",
      "locale",
      "rateLimit",
      "templates",
    ];
    for (const [index, option] of chats.entries()) {
      expect(option.required).toEqual(["id", "url", "kind"]);
      expect(option.additionalProperties).toBe(false);
      const signs = index < 2;
      expect(Object.keys(option.properties).sort()).toEqual((signs ? [...base, "secret"] : base).sort());
      if (signs) expect(option.properties.secret).toMatchObject({ type: "string", minLength: 1 });
      expect(option.properties.locale).toMatchObject({ enum: ["zh-CN", "en"] });
    }
  });

  it("says that headers may not set a reserved name, in any case", () => {
    const schema = targetsJsonSchema() as {
      items: { oneOf: [{ properties: { headers: { propertyNames: { not: { pattern: string } } } } }] };
    };
    const reserved = new RegExp(schema.items.oneOf[0].properties.headers.propertyNames.not.pattern);
    for (const name of ["content-type", "Content-Length", "HOST", "transfer-encoding", "User-Agent", "Webhook-Id"]) {
      expect(reserved.test(name)).toBe(true);
    }
    for (const name of ["x-api-key", "x-webhook-id", "hosts"]) expect(reserved.test(name)).toBe(false);
  });

  it("takes a secret as a string or an array of one to three", () => {
    const schema = targetsJsonSchema() as {
      items: { oneOf: [{ properties: { secret: { anyOf: Record<string, unknown>[] } } }] };
    };
    expect(schema.items.oneOf[0].properties.secret.anyOf[1]).toMatchObject({ type: "array", minItems: 1, maxItems: 3 });
  });
});
