// Builds shim/ with node-gyp against the headers of the Node running this script, so no
// download of headers is ever attempted (this machine has no route to nodejs.org).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const nodeGyp = join(dirname(require.resolve("node-gyp/package.json")), "bin", "node-gyp.js");
const args = [nodeGyp, "rebuild"];
const prefix = dirname(dirname(process.execPath));
if (existsSync(join(prefix, "include", "node", "node.h"))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { stdio: "inherit" });
process.exit(r.status ?? 1);
