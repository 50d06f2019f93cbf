// `npm run dev` on a fresh clone: create .dev.vars from the example once, never overwrite it.
import { copyFileSync, existsSync } from "node:fs";

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example (fake demo credentials)");
}
