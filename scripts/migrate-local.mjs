// `npm run dev`: applies the event log's migrations (migrations/) to the local D1 before the relay starts.
// stdin is closed so wrangler does not stop to ask for confirmation; arguments pass through (--persist-to …).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const wrangler = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const args = [wrangler, "d1", "migrations", "apply", "RELAY_LOG", "--local", ...process.argv.slice(2)];
const result = spawnSync(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
process.exit(result.status ?? 1);
