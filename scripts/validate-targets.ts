// `npm run validate-targets -- targets.json [--allow-insecure]`: checks a targets document with the
// relay's own validation before it is uploaded. Exit 0 when valid, 1 when not, 2 for a usage error.
import { readFileSync } from "node:fs";
import { reportTargets } from "../src/config/targets-report.ts";

const USAGE = "usage: npm run validate-targets -- <targets.json> [--allow-insecure]";

const args = process.argv.slice(2);
const files = args.filter((arg) => !arg.startsWith("--"));
const unknown = args.filter((arg) => arg.startsWith("--") && arg !== "--allow-insecure");
if (files.length !== 1 || unknown.length > 0) {
  console.error(USAGE);
  process.exit(2);
}
const [file = ""] = files;
// Mirrors the relay's ALLOW_INSECURE_TARGETS var: http://localhost targets are for local development only.
const allowInsecureTargets = args.includes("--allow-insecure") || process.env.ALLOW_INSECURE_TARGETS === "true";

let text: string;
try {
  text = readFileSync(file, "utf8");
} catch (error) {
  console.error(`cannot read ${file}: ${(error as Error).message}`);
  process.exit(2);
}

const report = reportTargets(text, file, { allowInsecureTargets });
for (const line of report.lines) (report.ok ? console.log : console.error)(line);
process.exit(report.ok ? 0 : 1);
