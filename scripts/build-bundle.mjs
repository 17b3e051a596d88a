// Bundles the library into dist/ (ESM) with its type declarations, the `virtkit` command line
// into dist/cli.cjs (a small launcher) and dist/cli-main.cjs, with V8's code cache for it, and
// the kvm:/// VMM process into dist/kvm-vmm.cjs.
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { chmodSync, rmSync } from "node:fs";

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

// The command line is CommonJS: Node starts a CommonJS program without loading its ESM loader.
// Less to read is less start-up: whitespace and syntax are minified, names kept (stack traces).
const cli = { bundle: true, platform: "node", target: "node20", format: "cjs", logLevel: "warning", minifyWhitespace: true, minifySyntax: true };
const moduleUrl = {
  define: { "import.meta.url": "__virtkitModuleUrl" },
  banner: { js: 'const __virtkitModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
};
await esbuild.build({ ...cli, entryPoints: ["src/cli/launch.cts"], outfile: "dist/cli.cjs", external: ["./cli-main.cjs"] });

// The lxc:/// and kvm:/// drivers are a bundle of their own (dist/cli-hosted.cjs), loaded by the
// command line only for those URIs: most commands never read them. It gets core.wasm compiled
// from the command line's copy of the host code.
const HOSTED = "virtkit:hosted-drivers";
const REMOTE = "virtkit:remote-driver";
const hostedDrivers = {
  name: "hosted-drivers",
  setup(build) {
    build.onResolve({ filter: /^\.\/(lxc|kvm)\.js$/ }, (args) => (args.importer.endsWith("registry.ts") ? { path: HOSTED, namespace: HOSTED } : undefined));
    // the remote driver and libvirt's protocol tables: a bundle of their own, read for remote URIs only
    build.onResolve({ filter: /^\.\/remote\/driver\.js$/ }, (args) => (args.importer.endsWith("registry.ts") ? { path: REMOTE, namespace: REMOTE } : undefined));
    build.onLoad({ filter: /.*/, namespace: REMOTE }, () => ({ resolveDir: "src/drivers", loader: "ts", contents: 'export const { RemoteDriver } = require("./cli-remote.cjs");' }));
    build.onLoad({ filter: /.*/, namespace: HOSTED }, () => ({
      resolveDir: "src/drivers",
      loader: "ts",
      contents: `import { coreModule } from "../host/core.js";
const hosted = require("./cli-hosted.cjs");
hosted.provideCoreModule(coreModule());
export const { LxcDriver, KvmDriver } = hosted;`,
    }));
  },
};
await esbuild.build({
  ...cli,
  ...moduleUrl,
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli-main.cjs",
  external: ["*.node", "./cli-hosted.cjs", "./cli-remote.cjs"],
  plugins: [hostedDrivers],
  // It runs from V8's code cache through vm.Script, which has no loader for import(): lazily
  // loaded built-in modules become require() calls.
  supported: { "dynamic-import": false },
});
await esbuild.build({
  ...cli,
  ...moduleUrl,
  stdin: {
    contents: 'export { LxcDriver } from "./lxc.js";\nexport { KvmDriver } from "./kvm.js";\nexport { provideCoreModule } from "../host/core.js";\n',
    resolveDir: "src/drivers",
    loader: "ts",
    sourcefile: "hosted-drivers.ts",
  },
  outfile: "dist/cli-hosted.cjs",
  external: ["*.node"],
});
await esbuild.build({ ...cli, ...moduleUrl, entryPoints: ["src/drivers/remote/driver.ts"], outfile: "dist/cli-remote.cjs", external: ["*.node"] });
chmodSync("dist/cli.cjs", 0o755);

// virtkitd: the daemon libvirt's clients drive (all drivers in one bundle: a daemon starts once).
await esbuild.build({ ...cli, ...moduleUrl, entryPoints: ["src/daemon/bin.ts"], outfile: "dist/virtkitd.cjs", external: ["*.node"], banner: { js: `#!/usr/bin/env node\n${moduleUrl.banner.js}` } });
chmodSync("dist/virtkitd.cjs", 0o755);

// A kvm:/// guest's VMM process (and, as a worker, its vCPU thread).
await esbuild.build({ ...cli, ...moduleUrl, entryPoints: ["src/vmm/main.ts"], outfile: "dist/kvm-vmm.cjs", external: ["*.node"] });

// Run one representative command so the code cache holds what a command compiles.
rmSync("dist/cli-main.codecache", { force: true });
const warm = spawnSync(process.execPath, ["dist/cli.cjs", "-c", "test:///default", "list", "--all"], {
  env: { ...process.env, VIRTKIT_WRITE_CODE_CACHE: "1" },
  stdio: ["ignore", "ignore", "inherit"],
});
if (warm.status !== 0) console.warn("warning: could not write dist/cli-main.codecache (the command line still works, it starts slower)");

const tsc = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
process.exit(tsc.status ?? 1);
