import { describe, expect, it } from "vitest";
import committed from "../../schema/targets.schema.json";
import { targetsJsonSchema } from "../../src/config/targets-json-schema";

describe("schema/targets.schema.json", () => {
  it("is exactly what `npm run schema` generates from the valibot schema (run it after changing the schema)", () => {
    expect(committed).toEqual(targetsJsonSchema());
  });

  it("describes the SPEC's document: id and url required, nothing unknown allowed", () => {
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
});
