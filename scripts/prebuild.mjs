// Puts the native parts into prebuilds/PLATFORM-ARCH/ for the package (npm pack runs this as
// prepack; postpack removes the folder again, so a checkout keeps loading its own build/).
// With --no-build it takes what build/Release/ holds instead of building it afresh.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { buildAddon } from "./build-addon.mjs";

const platform = `${process.platform}-${process.arch}`;
if (platform !== "linux-x64") {
  console.warn(`virtkit: packing on ${platform}: the package will hold no prebuilt native shim`);
  process.exit(0);
}
if (!process.argv.includes("--no-build") && buildAddon() !== 0) process.exit(1);
const dir = join("prebuilds", platform);
mkdirSync(dir, { recursive: true });
for (const file of ["vshim.node", "virtkit-lxc-supervisor"]) {
  const from = join("build", "Release", file);
  if (!existsSync(from)) throw new Error(`${from} is missing: run npm run build:addon`);
  copyFileSync(from, join(dir, file));
  // symbols are for debugging a local build; the package's copies go without them
  spawnSync("strip", ["--strip-unneeded", join(dir, file)], { stdio: "ignore" });
}
