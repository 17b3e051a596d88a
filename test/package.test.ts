// The package as users get it. In the checkout, `import ... from "virtkit"` resolves to the esbuild
// bundle in dist/ (built by `npm ci`). Then the packed tarball, installed into an empty project
// with no compiler on PATH: the library (import and require), the command line, the TypeScript
// types, and the prebuilt native shim; and a tarball without a prebuilt shim for this platform,
// which installs too and leaves only lxc:/// and kvm:/// unavailable, saying why.
// CI packs with `npm pack` (its prepack builds the shim) and names the tarball in VIRTKIT_TARBALL;
// elsewhere the tarball is packed here from a copy of the checkout with what it has built.
import test from "ava";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { needsRoot, testIf } from "./support/gated.js";
import { tempDir } from "./support/temp.js";

const checkout = fileURLToPath(new URL("..", import.meta.url));

test("the published entry point canonicalizes and raises VirtError", async (t) => {
  const virtkit = await import("virtkit");
  const out = virtkit.canonicalizeDomainXML("<domain type='kvm'><name>p</name><memory>1</memory><os><type>hvm</type></os></domain>");
  t.true(out.startsWith("<domain type='kvm'>\n  <name>p</name>\n"));
  const e = t.throws(() => virtkit.canonicalizeDomainXML("<domain/>")) as InstanceType<typeof virtkit.VirtError>;
  t.true(e instanceof virtkit.VirtError);
  t.is(e.code, virtkit.ErrorNumber.VIR_ERR_INTERNAL_ERROR);
});

test("type declarations ship with the bundle", (t) => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const types = new URL(`../${pkg.exports["."].types}`, import.meta.url);
  t.true(existsSync(types));
  t.regex(readFileSync(types, "utf8"), /canonicalizeDomainXML/);
});

// ---- the tarball in an empty project ------------------------------------------------------------

const PLATFORM = `${process.platform}-${process.arch}`;
const prebuiltHere = PLATFORM === "linux-x64";

/** npm's own script, run with this Node (the consumer's PATH below holds no npm). */
function npmCli(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (existsSync(join(dir, "npm"))) return realpathSync(join(dir, "npm"));
  }
  throw new Error("npm is not on PATH");
}

/** A PATH holding only `node` and `sh` (npm runs scripts with it): no compiler, no make, no python. */
function bareBin(): string {
  const bin = tempDir("virtkit-bare-bin");
  symlinkSync(process.execPath, join(bin, "node"));
  symlinkSync("/bin/sh", join(bin, "sh"));
  return bin;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 180_000 });
}

function succeeded(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** What the checkout has built, packed as npm would pack it; with the shim prebuilt or without. */
function packFromCheckout(withPrebuilt: boolean): string {
  const stage = tempDir("virtkit-stage");
  // npm packs none of these (the files list); test/ is large, and read-only in some checkouts
  const skip = new Set(["node_modules", ".git", "build", "prebuilds", ".vm-cache", "test", "bench"]);
  cpSync(checkout, stage, { recursive: true, filter: (src) => !skip.has(relative(checkout, src).split("/")[0]) });
  if (withPrebuilt) {
    mkdirSync(join(stage, "build", "Release"), { recursive: true });
    for (const f of ["vshim.node", "virtkit-lxc-supervisor"]) copyFileSync(join(checkout, "build", "Release", f), join(stage, "build", "Release", f));
    succeeded(run(process.execPath, ["scripts/prebuild.mjs", "--no-build"], stage), "prebuild");
  }
  const out = tempDir("virtkit-tarball");
  succeeded(run(process.execPath, [npmCli(), "pack", "--ignore-scripts", "--pack-destination", out], stage), "npm pack");
  return join(out, "virtkit-0.1.0.tgz");
}

interface Consumer {
  dir: string;
  env: NodeJS.ProcessEnv;
  install: SpawnSyncReturns<string>;
  node(code: string, env?: NodeJS.ProcessEnv): SpawnSyncReturns<string>;
}

/**
 * An empty project that installs the tarball with no compiler on PATH. npm 11 runs a dependency's
 * install script only once the project approves it (allowScripts): by default the package must
 * work without it.
 */
function consumerOf(tarball: string, approveScripts = false): Consumer {
  const dir = tempDir("virtkit-consumer");
  const allowScripts = approveScripts ? { [`file:${tarball}`]: true } : {};
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module", allowScripts }));
  const env = { ...process.env, PATH: bareBin(), npm_config_cache: tempDir("virtkit-npm-cache") };
  const install = run(process.execPath, [npmCli(), "install", "--no-audit", "--no-fund", "--offline", "--foreground-scripts", tarball], dir, env);
  return { dir, env, install, node: (code, extra = {}) => run(process.execPath, ["--input-type=module", "-e", code], dir, { ...env, ...extra }) };
}

let consumer: Consumer;
let tarball: string;
test.serial.before((t) => {
  t.timeout(300_000);
  tarball = process.env.VIRTKIT_TARBALL || packFromCheckout(prebuiltHere);
  consumer = consumerOf(tarball);
});

test.serial("the tarball holds the built package and nothing of the checkout's tests or tools", (t) => {
  const files = succeeded(run("tar", ["tzf", tarball], checkout), "tar").split("\n").filter(Boolean);
  for (const f of ["package.json", "README.md", "LICENSE", "CHANGELOG.md", "wasm/core.wasm", "dist/index.mjs", "dist/cli.cjs", "dist/cli-main.cjs", "dist/kvm-vmm.cjs", "dist/types/index.d.ts", "examples/vm.xml"]) {
    t.true(files.includes(`package/${f}`), f);
  }
  if (prebuiltHere) for (const f of ["vshim.node", "virtkit-lxc-supervisor"]) t.true(files.includes(`package/prebuilds/linux-x64/${f}`), f);
  t.deepEqual(files.filter((f) => /^package\/(test|bench|core-wasm|src|scripts\/vm)\/|\.map$|\.tgz$/.test(f)), []);
  t.log(`${files.length} files, ${(statSync(tarball).size / 1024).toFixed(0)} KiB packed`);
});

test.serial("it installs into an empty project with no compiler on PATH", (t) => {
  const compiler = spawnSync("/bin/sh", ["-c", "command -v g++ || command -v cc || command -v make"], { env: consumer.env, encoding: "utf8" });
  t.true(compiler.status !== 0 && compiler.stdout === "", "no compiler is reachable");
  t.is(consumer.install.status, 0, consumer.install.stderr);
  t.notRegex(consumer.install.stderr, /virtkit: the native shim is not installed/);
});

test.serial("import and require both give the library", (t) => {
  const xml = "<domain type='kvm'><name>p</name><memory>1</memory><os><type>hvm</type></os></domain>";
  const esm = consumer.node(`import { canonicalizeDomainXML, openConnection } from "virtkit";
const conn = await openConnection("test:///default");
console.log((await conn.listAllDomains(0)).map((d) => d.name).join(), canonicalizeDomainXML(${JSON.stringify(xml)}).split("\\n")[1].trim());
await conn.close();`);
  t.is(succeeded(esm, "import"), "test <name>p</name>\n");
  const cjs = run(process.execPath, ["-e", `const v = require("virtkit"); try { v.canonicalizeDomainXML("<domain/>"); } catch (e) { console.log(e instanceof v.VirtError, e.code); }`], consumer.dir, consumer.env);
  t.is(succeeded(cjs, "require"), "true 1\n");
});

test.serial("the command line runs from the installed package", (t) => {
  const r = run(join(consumer.dir, "node_modules", ".bin", "virtkit"), ["list", "--all"], consumer.dir, consumer.env);
  t.is(succeeded(r, "virtkit list --all"), " Id   Name   State\n----------------------\n 1    test   running\n\n");
});

test.serial("the TypeScript types check, the enums usable as types", (t) => {
  writeFileSync(
    join(consumer.dir, "consumer.ts"),
    `import { DomainEventType, DomainState, openConnection, type Domain, type VirtError } from "virtkit";
export async function stateOf(dom: Domain): Promise<DomainState> {
  return (await dom.getState()).state;
}
export const running: DomainState = DomainState.VIR_DOMAIN_RUNNING;
export const started: DomainEventType = DomainEventType.VIR_DOMAIN_EVENT_STARTED;
export async function listen(): Promise<void> {
  const conn = await openConnection("test:///default");
  conn.on("lifecycle", (_dom: Domain, event: DomainEventType) => void (event === started));
}
export const code = (e: VirtError): number => e.code;
`,
  );
  const tsc = join(checkout, "node_modules", "typescript", "bin", "tsc");
  const args = [tsc, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--typeRoots", join(checkout, "node_modules", "@types"), "--types", "node", "consumer.ts"];
  const r = run(process.execPath, args, consumer.dir, consumer.env);
  t.is(r.status, 0, r.stdout + r.stderr);
});

testIf(prebuiltHere ? undefined : `no prebuilt native shim for ${PLATFORM}`).serial("the prebuilt native shim loads, and lxc:/// opens with it", (t) => {
  const shim = join(consumer.dir, "node_modules", "virtkit", "prebuilds", "linux-x64", "vshim.node");
  t.regex(succeeded(run(process.execPath, ["-e", `console.log(require(${JSON.stringify(shim)}).version())`], consumer.dir, consumer.env), "load"), /\S/);
  if (needsRoot("lxc:///system")) return; // the shim loaded; opening a node needs root
  const state = tempDir("virtkit-consumer-node");
  const open = consumer.node(`import { openConnection } from "virtkit";
const conn = await openConnection("lxc:///system");
console.log((await conn.listAllDomains(0)).length);
await conn.close();`, { VIRTKIT_CONFIG_DIR: join(state, "etc"), VIRTKIT_RUN_DIR: join(state, "run") });
  t.is(succeeded(open, "lxc:///system"), "0\n");
});

test.serial("without a native shim: the install succeeds and says so; lxc:/// and kvm:/// say what is missing", (t) => {
  t.timeout(300_000);
  const bare = consumerOf(packFromCheckout(false), true);
  t.is(bare.install.status, 0, bare.install.stderr);
  t.regex(bare.install.stderr, /virtkit: the native shim is not installed, so lxc:\/\/\/ and kvm:\/\/\/ are unavailable; /);
  const state = tempDir("virtkit-consumer-node");
  const r = bare.node(`import { canonicalizeDomainXML, openConnection } from "virtkit";
console.log(canonicalizeDomainXML("<domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os></domain>").length > 0);
for (const uri of ["lxc:///system", "kvm:///system"]) await openConnection(uri).catch((e) => console.log(e.code, e.message));`, { VIRTKIT_CONFIG_DIR: join(state, "etc"), VIRTKIT_RUN_DIR: join(state, "run") });
  const lines = succeeded(r, "the library without a shim").split("\n");
  t.is(lines[0], "true");
  t.is(succeeded(run(join(bare.dir, "node_modules", ".bin", "virtkit"), ["domstate", "test"], bare.dir, bare.env), "virtkit"), "running\n\n");
  if (needsRoot("")) return; // a plain user hears first that these drivers need root
  for (const [i, uri] of [[1, "lxc:///system"], [2, "kvm:///system"]] as const) {
    t.is(lines[i], `5 no connection driver available for ${uri}: virtkit's native shim is missing: no prebuilt one for ${PLATFORM} and no local build (\`npm run build:addon\` in virtkit's folder builds it with g++, make and python3)`);
  }
});
