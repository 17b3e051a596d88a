// The hosted drivers' files and names (lxc:///, kvm:///): modes that do not follow the caller's
// umask, directories another user could change refused at open, and the names a node takes (its
// files are named after them: libvirt's refusals, plus a length that fits the control socket).
import test from "ava";
import { spawnSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { DomainState, ErrorDomain, ErrorNumber, VirtError, type Connection } from "../../src/index.js";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { needsRoot, testIf } from "../support/gated.js";
import { instanceFile, openForTest } from "../support/hosted.js";
import { tempDir } from "../support/temp.js";

const asRoot = testIf(needsRoot("lxc:///system, kvm:///system"));
const base = tempDir("virtkit-hosted-files", "/tmp");
chmodSync(base, 0o711); // containers in a user namespace pass through it as their mapped root
process.env.VIRTKIT_CONFIG_DIR = join(base, "etc");
process.env.VIRTKIT_RUN_DIR = join(base, "run");
process.env.VIRTKIT_STATE_DIR = join(base, "state");
process.env.VIRTKIT_KVM_SPARE = "0";

const source = fileURLToPath(new URL("../../src/index.ts", import.meta.url));
const lxcXML = (name: string) => `<domain type='lxc'><name>${name}</name><memory unit='MiB'>64</memory><os><type>exe</type><init>/bin/sh</init></os><devices><console type='pty'/></devices></domain>`;
const kvmXML = (name: string, uuid = "") => `<domain type='kvm'><name>${name}</name>${uuid && `<uuid>${uuid}</uuid>`}<memory unit='MiB'>64</memory><os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os></domain>`;

/** Runs an ES module body in a new Node process (its umask and environment are its own); returns its output. */
function inChild(body: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const code = `const { openConnection } = await import(${JSON.stringify(source)});\n${body}`;
  return spawnSync(process.execPath, ["--import=tsx", "--input-type=module", "-e", code], { encoding: "utf8", env: { ...process.env, ...env } });
}

const modeOf = (path: string) => `0${(lstatSync(path).mode & 0o777).toString(8)}`;

asRoot.serial("under umask 000 the node's files are 0600 and its directories 0700 (the lxc run directory 0711)", async (t) => {
  const child = inChild(`
    process.umask(0);
    const lxc = await openConnection("lxc:///system");
    const c = await lxc.defineXML(${JSON.stringify(lxcXML("open"))});
    await c.setAutostart(true);
    await c.create();
    await lxc.close();
    const kvm = await openConnection("kvm:///system");
    const g = await kvm.defineXML(${JSON.stringify(kvmXML("open"))});
    await g.setAutostart(true);
    await kvm.close();
  `);
  t.is(child.stderr, "");
  t.is(child.status, 0);
  const conn = await openForTest(t, "lxc:///system");
  const dom = await conn.lookupByName("open");
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_RUNNING, reason: 1 });
  const [etc, run] = [join(base, "etc"), join(base, "run")];
  // this run's status file and socket carry its instance's token
  const [status, sock] = (["status", "sock"] as const).map((kind) => relative(base, instanceFile(join(run, "lxc"), "open", kind)));
  const modes = Object.fromEntries(
    [
      "etc",
      "etc/lxc",
      "etc/lxc/autostart",
      "etc/lxc/open.xml",
      "etc/lxc/autostart/open",
      "etc/kvm",
      "etc/kvm/autostart",
      "etc/kvm/open.xml",
      "etc/kvm/autostart/open",
      "run",
      "run/lxc",
      "run/lxc/.lock",
      "run/lxc/.autostarted",
      "run/lxc/open.xml",
      "run/lxc/open.plan",
      "run/lxc/open.root",
      "run/lxc/.jobs",
      status,
      sock,
      "run/kvm",
      "run/kvm/.lock",
    ].map((path) => [path, modeOf(join(base, path))]),
  );
  t.deepEqual(modes, {
    etc: "0700",
    "etc/lxc": "0700",
    "etc/lxc/autostart": "0700",
    "etc/lxc/open.xml": "0600",
    "etc/lxc/autostart/open": "0600",
    "etc/kvm": "0700",
    "etc/kvm/autostart": "0700",
    "etc/kvm/open.xml": "0600",
    "etc/kvm/autostart/open": "0600",
    // (traversed, not listed, by a container's mapped root in a user namespace)
    run: "0711",
    "run/lxc": "0711",
    "run/lxc/.lock": "0600",
    "run/lxc/.autostarted": "0600",
    "run/lxc/open.xml": "0600",
    "run/lxc/open.plan": "0600",
    "run/lxc/open.root": "0711",
    "run/lxc/.jobs": "0700",
    [status]: "0600",
    [sock]: "0600",
    "run/kvm": "0700",
    "run/kvm/.lock": "0600",
  });
  t.deepEqual(readdirSync(etc).sort(), ["kvm", "lxc"]);
  t.true(readdirSync(run).includes("lxc"));
  await dom.destroy();
  await dom.undefine();
  const kvm = await openForTest(t, "kvm:///system");
  await (await kvm.lookupByName("open")).undefine();
});

asRoot.serial("a run directory writable by others or owned by another user is refused when the node opens", async (t) => {
  for (const [uri, driver] of [
    ["kvm:///system", "kvm"],
    ["lxc:///system", "lxc"],
  ] as const) {
    const root = tempDir("virtkit-unsafe", "/tmp");
    const run = join(root, "run", driver);
    mkdirSync(run, { recursive: true });
    chmodSync(run, 0o777);
    const env = { VIRTKIT_CONFIG_DIR: join(root, "etc"), VIRTKIT_RUN_DIR: join(root, "run") };
    const open = inChild(`try { await openConnection(${JSON.stringify(uri)}); } catch (e) { console.log(JSON.stringify({ code: e.code, domain: e.domain, message: e.message })); }`, env);
    t.deepEqual(JSON.parse(open.stdout), {
      code: ErrorNumber.VIR_ERR_OPERATION_FAILED,
      domain: driver === "kvm" ? ErrorDomain.VIR_FROM_QEMU : ErrorDomain.VIR_FROM_LXC,
      message: `operation failed: unsafe run directory '${run}': writable by its group (mode 0777)`,
    });
    t.deepEqual(readdirSync(run), [], `${uri}: nothing written there`);
    chmodSync(run, 0o700);
    spawnSync("chown", ["65534", run]);
    const other = inChild(`try { await openConnection(${JSON.stringify(uri)}); } catch (e) { console.log(e.message); }`, env);
    t.is(other.stdout, `operation failed: unsafe run directory '${run}': owned by uid 65534, not 0\n`);
  }
});

// ---- names ---------------------------------------------------------------------------------------

/** A kvm:/// node in a core of its own (no root, no /dev/kvm): its registry and plans. */
function kvmNode(runDir = "/run/virtkit/kvm"): { core: Core; node: number } {
  const core = new Core(coreModule(), new MockCoreImports(0));
  return { core, node: core.hostedNodeOpen("kvm", runDir, "/var/lib/virtkit/kvm/dump", "") };
}

function refused(fn: () => unknown): { code: number; message: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    const { code, message } = e as VirtError;
    return { code, message };
  }
}

const LONGEST = "n".repeat(72);

test("a hosted node refuses at define and create the names its files cannot carry, as libvirt words it", (t) => {
  const { core, node } = kvmNode();
  const missing = { code: ErrorNumber.VIR_ERR_NO_NAME, message: "missing name information" };
  const newline = { code: ErrorNumber.VIR_ERR_XML_DETAIL, message: "invalid char in name: \n" };
  const tooLong = (n: number) => ({ code: ErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED, message: `unsupported configuration: domain name is ${n} bytes long, more than the 72 this driver's file names allow` });
  const cases: [string, { code: number; message: string } | undefined][] = [
    ["", missing],
    ["   ", missing],
    [" \t\n ", missing],
    ["a\nb", newline],
    ["n".repeat(255), tooLong(255)],
    [LONGEST + "n", tooLong(73)],
    ["é".repeat(37), tooLong(74)], // bytes, not characters
    [LONGEST, undefined],
    ["a\\b", undefined],
    ["a\tb", undefined],
    [" padded ", undefined],
  ];
  cases.forEach(([name, error], i) => {
    const xml = kvmXML(name, `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`);
    t.deepEqual(refused(() => core.domainDefine(node, xml, 0)), error, `define ${JSON.stringify(name)}`);
    t.deepEqual(refused(() => core.hostedPlanCreate(node, xml)), error, `create ${JSON.stringify(name)}`);
  });
  // createXML names its files after the name as written, escapes and all
  t.is(core.documentName(kvmXML("a\\b\tc")), "a\\b\tc");
  t.is(core.documentName("<domain type='kvm'><name>x&amp;y</name></domain>"), "x&y");
});

test("a run directory too long for a name's control socket fails the start clearly", (t) => {
  const { core, node } = kvmNode(`/run/${"d".repeat(40)}/kvm`);
  const error = refused(() => core.hostedPlanCreate(node, kvmXML(LONGEST)));
  t.is(error?.code, ErrorNumber.VIR_ERR_INTERNAL_ERROR);
  t.regex(error?.message ?? "", new RegExp(`^internal error: control socket path '/run/d{40}/kvm/${LONGEST}\\.[0-9a-f]{12}\\.sock' is 140 bytes long, more than a Unix socket address holds \\(107\\)$`));
  t.regex(core.hostedPlanCreate(node, kvmXML("short")), /^control\t/m);
});

test("test:/// refuses what libvirt's test driver refuses: a blank name, a newline at define", async (t) => {
  const { openConnection } = await import("../../src/index.js");
  const conn = await openConnection("test:///default");
  const xml = (name: string) => `<domain type='test'><name>${name}</name><memory>1024</memory><os><type>hvm</type></os></domain>`;
  for (const name of ["", "  "]) {
    await t.throwsAsync(conn.defineXML(xml(name)), { instanceOf: VirtError, code: ErrorNumber.VIR_ERR_NO_NAME, message: "missing name information" } as never);
    await t.throwsAsync(conn.createXML(xml(name)), { instanceOf: VirtError, message: "missing name information" });
  }
  const e = await t.throwsAsync(conn.defineXML(xml("a\nb")), { instanceOf: VirtError });
  t.like(e, { code: ErrorNumber.VIR_ERR_XML_DETAIL, domain: ErrorDomain.VIR_FROM_XML, message: "invalid char in name: \n" });
  // createXML does not check (nor does libvirt's), and the test driver has no files: no length limit
  for (const name of ["a\nb", "a\\b", "a\tb", "n".repeat(255)]) {
    const dom = await conn.createXML(xml(name));
    t.is((await conn.lookupByName(name)).name, name);
    await dom.destroy();
  }
  await conn.close();
});

async function createAndFind(t: import("ava").ExecutionContext, conn: Connection, xml: string, name: string): Promise<void> {
  const dom = await conn.createXML(xml);
  t.is(dom.name, name);
  const found = await conn.lookupByName(name);
  t.deepEqual(await found.getState(), { state: DomainState.VIR_DOMAIN_RUNNING, reason: 1 });
  await found.destroy();
  await t.throwsAsync(conn.lookupByName(name), { instanceOf: VirtError }, "a transient domain is gone once stopped");
}

asRoot.serial("lxc:/// creates a transient domain of every name it defines, and refuses the others", async (t) => {
  const conn = await openForTest(t, "lxc:///system");
  // (the longest name this node's run directory, under /tmp, leaves room for)
  for (const name of ["a\\b", "a\tb", "n".repeat(107 - join(base, "run", "lxc", ".0123456789ab.sock").length)]) {
    await createAndFind(t, conn, lxcXML(name), name);
    const dom = await conn.defineXML(lxcXML(name));
    await dom.create();
    await dom.destroy();
    await dom.undefine();
  }
  for (const name of ["  ", "a\nb", "n".repeat(255)]) {
    await t.throwsAsync(conn.defineXML(lxcXML(name)), { instanceOf: VirtError }, JSON.stringify(name));
    await t.throwsAsync(conn.createXML(lxcXML(name)), { instanceOf: VirtError }, JSON.stringify(name));
  }
  // this node's run directory leaves less room than the default's: the start says so
  const e = await t.throwsAsync(conn.createXML(lxcXML(LONGEST)), { instanceOf: VirtError });
  t.regex(e?.message ?? "", /^internal error: control socket path '.*\.sock' is \d+ bytes long, more than a Unix socket address holds \(107\)$/);
  t.deepEqual(readdirSync(join(base, "run", "lxc")).filter((f) => f.startsWith("n")), [], "no file of it left");
  t.deepEqual(await conn.listAllDomains(0), []);
});

asRoot.serial("kvm:/// defines, lists and undefines names with backslash and tab, and refuses blank and over-long ones", async (t) => {
  const conn = await openForTest(t, "kvm:///system");
  for (const name of ["a\\b", "a\tb", LONGEST]) {
    const dom = await conn.defineXML(kvmXML(name));
    t.deepEqual((await conn.listAllDomains(0)).map((d) => d.name), [name]);
    await dom.undefine();
  }
  for (const [name, code] of [
    ["  ", ErrorNumber.VIR_ERR_NO_NAME],
    ["n".repeat(255), ErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED],
    ["a\nb", ErrorNumber.VIR_ERR_XML_DETAIL],
  ] as const) {
    const e = await t.throwsAsync(conn.defineXML(kvmXML(name)), { instanceOf: VirtError });
    t.is(e?.code, code, JSON.stringify(name));
  }
  t.deepEqual(readdirSync(join(base, "etc", "kvm")).sort(), ["autostart"]);
});
