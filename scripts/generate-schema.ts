// `npm run schema`: writes schema/targets.schema.json from the valibot schema the relay validates with
// (the npm script then lets Biome format it, so `npm run lint` stays clean).
import { writeFileSync } from "node:fs";
import { TARGETS_JSON_SCHEMA_PATH, targetsJsonSchema } from "../src/config/targets-json-schema.ts";

const file = new URL(`../${TARGETS_JSON_SCHEMA_PATH}`, import.meta.url);
writeFileSync(file, `${JSON.stringify(targetsJsonSchema(), null, 2)}\n`);
console.log(`wrote ${TARGETS_JSON_SCHEMA_PATH}`);
