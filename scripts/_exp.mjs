import * as esbuild from "esbuild";
const cli = { bundle: true, platform: "node", target: "node20", format: "cjs", logLevel: "warning" };
await esbuild.build({
  ...cli,
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli-main.cjs",
  external: ["*.node", "./lxc.js", "./kvm.js"],
  define: { "import.meta.url": "__virtkitModuleUrl" },
  supported: { "dynamic-import": false },
  banner: { js: 'const __virtkitModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
});
