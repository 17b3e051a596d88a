// Bundles the library into dist/ (ESM) and writes its type declarations.
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";

await esbuild.build({
  entryPoints: { index: "src/index.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  external: ["*.node"],
  logLevel: "warning",
});
const tsc = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
process.exit(tsc.status ?? 1);
