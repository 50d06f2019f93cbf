import { describe, expect, it } from "vitest";
import committed from "../../schema/targets.schema.json";
import { targetsJsonSchema } from "../../src/config/targets-json-schema";

describe("schema/targets.schema.json", () => {
  it("is exactly what `npm run schema` generates from the valibot schema (run it after changing the schema)", () => {
    expect(committed).toEqual(targetsJsonSchema());
  });

  it("describes the documented document: id and url required, nothing unknown allowed", () => {
    const schema = targetsJsonSchema() as {
      type: string;
      items: { required: string[]; additionalProperties: boolean; properties: Record<string, unknown> };
    };
    expect(schema.type).toBe("array");
    expect(schema.items.required).toEqual(["id", "url"]);
    expect(schema.items.additionalProperties).toBe(false);
    expect(Object.keys(schema.items.properties)).toEqual([
      "id",
      "url",
      "secret",
      "types",
      "providers",
      "headers",
      "timeoutMs",
      "enabled",
    ]);
  });

  it("says that headers may not set a reserved name, in any case", () => {
    const schema = targetsJsonSchema() as {
      items: { properties: { headers: { propertyNames: { not: { pattern: string } } } } };
    };
    const reserved = new RegExp(schema.items.properties.headers.propertyNames.not.pattern);
    for (const name of ["content-type", "Content-Length", "HOST", "transfer-encoding", "User-Agent", "Webhook-Id"]) {
      expect(reserved.test(name)).toBe(true);
    }
    for (const name of ["x-api-key", "x-webhook-id", "hosts"]) expect(reserved.test(name)).toBe(false);
  });

  it("takes a secret as a string or an array of one to three", () => {
    const schema = targetsJsonSchema() as { items: { properties: { secret: { anyOf: Record<string, unknown>[] } } } };
    expect(schema.items.properties.secret.anyOf[1]).toMatchObject({ type: "array", minItems: 1, maxItems: 3 });
  });
});
