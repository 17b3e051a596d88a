// npm runs this when virtkit is installed: in a checkout (npm ci) and as a dependency. The native
// shim (lxc:/// and kvm:///) comes prebuilt in the package for linux-x64; elsewhere it is built
// here when a compiler and node-addon-api are at hand. Without it the install still succeeds: the
// XML API, test:/// and the command line need no native code.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { buildAddon, findNodeGyp } from "./build-addon.mjs";

const platform = `${process.platform}-${process.arch}`;
if (existsSync(`prebuilds/${platform}/vshim.node`)) process.exit(0);

/** Whether node-addon-api (the addon's headers; a development dependency) can be found. */
function hasAddonHeaders() {
  try {
    createRequire(import.meta.url).resolve("node-addon-api");
    return true;
  } catch {
    return false;
  }
}

const canBuild = findNodeGyp() !== undefined && hasAddonHeaders();
if (canBuild && buildAddon() === 0) process.exit(0);

const how = canBuild
  ? "the build failed (it needs g++, make and python3)"
  : `none is prebuilt for ${platform} (with g++, make and python3: npm install node-addon-api, then npm rebuild virtkit)`;
console.warn(`virtkit: the native shim is not installed, so lxc:/// and kvm:/// are unavailable; ${how}. The XML API, test:/// and the command line work.`);
