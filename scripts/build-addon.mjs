// Builds shim/ (the addon and the container supervisor) with node-gyp against the headers of the
// Node running this script, so no download of headers is ever attempted. node-gyp is the
// project's own (a checkout) or npm's (npm names it in npm_config_node_gyp while it runs scripts).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);

/** node-gyp's entry script, or undefined where there is none. */
export function findNodeGyp() {
  try {
    return join(dirname(require.resolve("node-gyp/package.json")), "bin", "node-gyp.js");
  } catch {
    const npms = process.env.npm_config_node_gyp;
    return npms && existsSync(npms) ? npms : undefined;
  }
}

/** Runs `node-gyp rebuild`; returns its exit status. */
export function buildAddon() {
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) return 1;
  const args = [nodeGyp, "rebuild"];
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, "include", "node", "node.h"))) args.push(`--nodedir=${prefix}`);
  return spawnSync(process.execPath, args, { stdio: "inherit" }).status ?? 1;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(buildAddon());
