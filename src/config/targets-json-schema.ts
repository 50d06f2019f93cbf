import { toJsonSchema } from "@valibot/to-json-schema";
import { MAX_TARGETS } from "../lib/limits.ts";
import { notReserved, RESERVED_HEADERS, TargetsSchema } from "./targets-schema.ts";

/** Where the generated schema is committed, relative to the repository root. */
export const TARGETS_JSON_SCHEMA_PATH = "schema/targets.schema.json";

/** JSON Schema patterns take no flags: `host` becomes `^([Hh][Oo][Ss][Tt]|…|[Ww]…-.*)$`. */
const caseless = (text: string) =>
  [...text].map((char) => (/[a-z]/.test(char) ? `[${char.toUpperCase()}${char}]` : char)).join("");
const RESERVED_NAME_PATTERN = `^(${[...RESERVED_HEADERS.map(caseless), `${caseless("webhook-")}.*`].join("|")})$`;

/**
 * The editor JSON Schema of the targets document, generated from the same
 * valibot schema the relay validates with. Not part of the worker bundle:
 * `scripts/generate-schema.ts` writes it and a test keeps the committed file in sync.
 * `errorMode: "throw"` makes an action with no JSON Schema equivalent fail loudly
 * instead of silently producing a looser schema.
 */
export function targetsJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = toJsonSchema(TargetsSchema, {
    target: "draft-07",
    errorMode: "throw",
    overrideAction: ({ valibotAction, jsonSchema }) =>
      valibotAction === notReserved ? { ...jsonSchema, not: { pattern: RESERVED_NAME_PATTERN } } : undefined,
  });
  return {
    $schema,
    $comment: "Generated from src/config/targets-schema.ts by `npm run schema`; do not edit by hand.",
    ...schema,
    // Checked by validateTargets beside the schema (src/config/validate-targets.ts), so it reports with the targets' own problems.
    maxItems: MAX_TARGETS,
  };
}
