// `npm run dev`: applies the event log's migrations (migrations/) to the local D1 before the relay starts.
// stdin is closed so wrangler does not stop to ask for confirmation; arguments pass through (--persist-to …).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
const args = [wrangler, "d1", "migrations", "apply", "RELAY_LOG", "--local", ...process.argv.slice(2)];
const result = spawnSync(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
process.exit(result.status ?? 1);
