// Paths inside a container's root are resolved inside it: a <filesystem> target, and the /dev and
// /proc the supervisor sets up, never reach the host through a symlink or ".." that the
// container's own root filesystem holds (it can plant one for its next start). Each container
// here runs on a small root of its own in a temp dir (the host's /usr bound read-only into it),
// whose symlinks point at host dirs outside it: those dirs must stay empty and unmounted, and
// what the supervisor made must be where the symlink leads when resolved with the container's
// root as "/". Targets that are not absolute, or hold "..", are refused at define.
import test from "ava";
import { needsRoot, testIf } from "../support/gated.js";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { spawn } from "node:child_process";
import { DomainState, ErrorNumber, VirtError, type Connection } from "../../src/index.js";
import { cgroupFacts } from "../../src/drivers/lxc/host.js";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { readStartReport } from "../../src/drivers/hosted/control-client.js";
import { supervisorPath } from "../../src/host/native.js";
import { instanceFile, lxcTestNode, openForTest, processesLeft } from "../support/hosted.js";

const asRoot = testIf(needsRoot("namespaces, mounts"));
const { base, runDir } = lxcTestNode("virtkit-lxc-paths");

test.after.always(() => rmSync(base, { recursive: true, force: true }));

const lxc = (t: import("ava").ExecutionContext): Promise<Connection> => openForTest(t, "lxc:///system");

/** A host dir outside every container's root, that a container's symlink points at. */
function hostDir(name: string): string {
  const dir = join(base, "host", name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A dir of the host that a container binds: it holds one file, "marker". */
const source = join(base, "source");
mkdirSync(source);
writeFileSync(join(source, "marker"), "from the host\n");

/**
 * A container's root filesystem: the host's /usr bound read-only at /usr, the host's /bin, /lib…
 * as symlinks into it (merged /usr) or bound too, and empty /dev, /proc and /sys but those
 * `without`.
 */
function rootfs(name: string, without: string[] = []): { dir: string; filesystems: string } {
  const dir = join(base, "roots", name);
  mkdirSync(dir, { recursive: true });
  for (const empty of ["dev", "proc", "sys"]) if (!without.includes(empty)) mkdirSync(join(dir, empty));
  let filesystems = `<filesystem type='mount'><source dir='${dir}'/><target dir='/'/></filesystem>`;
  for (const top of ["usr", "bin", "sbin", "lib", "lib64", "etc"]) {
    const host = `/${top}`;
    if (!existsSync(host)) continue;
    if (lstatSync(host).isSymbolicLink()) {
      symlinkSync(readlinkSync(host), join(dir, top));
    } else {
      mkdirSync(join(dir, top));
      filesystems += `<filesystem type='mount'><source dir='${host}'/><target dir='${host}'/><readonly/></filesystem>`;
    }
  }
  return { dir, filesystems };
}

function xml(name: string, devices: string): string {
  return `<domain type='lxc'><name>${name}</name><memory unit='MiB'>64</memory><os><type>exe</type><init>/bin/sh</init></os><devices>${devices}<console type='pty'/></devices></domain>`;
}

/** The pid of the container's init on the host, from the supervisor's status file. */
function initPid(name: string): number {
  return Number(/^init (\d+)$/m.exec(readFileSync(instanceFile(runDir, name, "status"), "utf8"))?.[1]);
}

/** The mount points of the host's mount namespace at or below dir. */
function hostMountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

/** The host dir is as the test made it: empty, and nothing mounted on it or below. */
function untouched(t: import("ava").ExecutionContext, dir: string): void {
  t.deepEqual(readdirSync(dir), [], `nothing was created in ${dir}`);
  t.deepEqual(hostMountsUnder(dir), [], `nothing is mounted on ${dir}`);
}

const v2Root = /^v2 (\S+)/m.exec(cgroupFacts())?.[1];

async function nothingLeft(t: import("ava").ExecutionContext, name: string): Promise<void> {
  t.false(existsSync(v2Root ? join(v2Root, "virtkit", `lxc-${name}`) : `/sys/fs/cgroup/memory/virtkit/lxc-${name}`), "no cgroup left");
  for (const file of ["sock", "root", "plan"]) t.false(existsSync(join(runDir, `${name}.${file}`)), `no ${file} left`);
  t.deepEqual(await processesLeft(`${runDir}/${name}.plan`), [], "no supervisor left");
}

/** A root for container `name` whose /mnt/link points, as linkText writes it, at a host dir made here. */
function rootWithLink(name: string, linkText: (outside: string) => string): { outside: string; dir: string; filesystems: string } {
  const outside = hostDir(name);
  const root = rootfs(name);
  mkdirSync(join(root.dir, "mnt"));
  symlinkSync(linkText(outside), join(root.dir, "mnt", "link"));
  return { outside, ...root };
}

/** Defines and starts the container; returns it and its init's pid on the host. */
async function started(t: import("ava").ExecutionContext, name: string, devices: string) {
  const dom = await (await lxc(t)).defineXML(xml(name, devices));
  await dom.create();
  return { dom, pid: initPid(name) };
}

asRoot.serial("a target through an absolute symlink is mounted where it leads inside the root, not on the host", async (t) => {
  const { outside, dir, filesystems } = rootWithLink("abslink", (outside) => outside);
  mkdirSync(join(dir, outside), { recursive: true }); // the same path inside the root
  const { dom, pid } = await started(t, "abslink", `${filesystems}<filesystem type='mount'><source dir='${source}'/><target dir='/mnt/link/data'/><readonly/></filesystem>`);
  untouched(t, outside);
  t.is(readFileSync(`/proc/${pid}/root${outside}/data/marker`, "utf8"), "from the host\n", "bound where the symlink leads in the root");
  t.true(statSync(join(dir, outside, "data")).isDirectory(), "its mount point was made in the root");
  await dom.destroy();
  untouched(t, outside);
  await dom.undefine();
});

asRoot.serial("a target through a relative symlink climbing out of the root stays in the root", async (t) => {
  // from the staging dir on the host, these "../" lead to the host dir; in the root, they stop at "/"
  const { outside, dir, filesystems } = rootWithLink("rellink", (outside) => relative(join(runDir, "rellink.root", "mnt"), outside));
  mkdirSync(join(dir, "host", "rellink"), { recursive: true });
  const { dom, pid } = await started(t, "rellink", `${filesystems}<filesystem type='ram'><source usage='1024'/><target dir='/mnt/link/scratch'/></filesystem>`);
  untouched(t, outside);
  const scratch = readFileSync(`/proc/${pid}/mountinfo`, "utf8").split("\n").find((l) => l.split(" ")[4] === "/host/rellink/scratch");
  t.regex(scratch ?? "", / - tmpfs /, "the tmpfs is at /host/rellink/scratch inside");
  await dom.destroy();
  untouched(t, outside);
  await dom.undefine();
});

asRoot.serial("a target through a symlink to nothing inside the root: the start fails cleanly, naming the step", async (t) => {
  const { outside, filesystems } = rootWithLink("nolink", (outside) => outside);
  const dom = await (await lxc(t)).defineXML(xml("nolink", `${filesystems}<filesystem type='mount'><source dir='${source}'/><target dir='/mnt/link/data'/></filesystem>`));
  const e = await t.throwsAsync(dom.create(), { instanceOf: VirtError });
  t.is(e?.message, "internal error: guest failed to start: mkdir mnt/link/data 755: No such file or directory");
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: 0 });
  untouched(t, outside);
  await nothingLeft(t, "nolink");
  await dom.undefine();
});

asRoot.serial("a root whose /dev and /proc are symlinks to host dirs gets its devices and proc inside it", async (t) => {
  const devDir = hostDir("dev");
  const procDir = hostDir("proc");
  const { dir, filesystems } = rootfs("devlink", ["dev", "proc"]);
  for (const [link, target] of [
    ["dev", devDir],
    ["proc", procDir],
  ]) {
    symlinkSync(target, join(dir, link));
    mkdirSync(join(dir, target), { recursive: true });
  }
  const { dom, pid } = await started(t, "devlink", filesystems);
  untouched(t, devDir);
  untouched(t, procDir);
  t.true(statSync(`/proc/${pid}/root${devDir}/null`).isCharacterDevice(), "/dev/null is where /dev leads in the root");
  t.true(existsSync(`/proc/${pid}/root${devDir}/pts/ptmx`), "so is /dev/pts");
  t.is(readFileSync(`/proc/${pid}/root${procDir}/1/comm`, "utf8"), "sh\n", "the container's proc is where /proc leads in the root");
  await dom.destroy();
  untouched(t, devDir);
  untouched(t, procDir);
  await dom.undefine();
});

// ---- without openat2 (Linux before 5.6) ---------------------------------------------------------------

/**
 * Runs the supervisor on plan lines with openat2 failing ENOSYS (a seccomp filter, installed by
 * python3 before it execs the supervisor), as on a kernel without it; returns its start report.
 */
async function withoutOpenat2(dir: string, lines: string[][]): Promise<{ ok: true; fields: string[] } | { ok: false; step: string; errno: number }> {
  const plan = join(dir, "plan");
  writeFileSync(plan, lines.map((line) => line.join("\t") + "\n").join(""));
  // struct sock_filter {u16 code; u8 jt, jf; u32 k}: load the syscall number; openat2 (437 on
  // every architecture) returns ENOSYS (38), everything else is allowed
  const script = `import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
code = struct.pack("HBBI" * 4, 0x20, 0, 0, 0, 0x15, 0, 1, 437, 0x06, 0, 0, 0x00050000 | 38, 0x06, 0, 0, 0x7fff0000)
buf = ctypes.create_string_buffer(code, len(code))
class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
prog = Prog(4, ctypes.addressof(buf))
if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:
    sys.exit("seccomp: errno %d" % ctypes.get_errno())
os.execv(sys.argv[1], sys.argv[1:])
`;
  const child = spawn("/usr/bin/python3", ["-c", script, supervisorPath(), plan], { stdio: ["ignore", "ignore", "inherit", "pipe"] });
  const report = await readStartReport(child.stdio[3] as NodeJS.ReadableStream, 10_000);
  if (child.exitCode === null) await new Promise((resolve) => child.once("exit", resolve));
  return report;
}

const withPython = testIf(needsRoot("namespaces, mounts") ?? (existsSync("/usr/bin/python3") ? undefined : "needs /usr/bin/python3 (a seccomp filter)"));

withPython.serial("without openat2 the supervisor walks the path and refuses a symlink or '..' in it", async (t) => {
  const outside = hostDir("fallback");
  const dir = join(base, "fallback");
  const root = join(dir, "root");
  const stage = join(dir, "stage");
  mkdirSync(join(root, "mnt"), { recursive: true });
  mkdirSync(stage);
  symlinkSync(outside, join(root, "mnt", "link"));
  const prologue = [["clone", "mnt"], ["make-rprivate"], ["bind", root, stage, "0", "1"], ["root", stage]];
  // plain paths work, across mounts made by earlier steps; exec fails after them, as planned
  const plain = await withoutOpenat2(dir, [
    ...prologue,
    ["mkdir", "made", "755"],
    ["mount", "tmpfs", "tmpfs", "made", "", ""],
    ["mkdir", "made/below", "755"],
    ["touch", "./made/below/file"],
    ["symlink", "below/file", "made/link"],
    ["bind", "/dev/null", "made/below/file", "1", "0"],
    ["exec", "/no/such/init"],
  ]);
  t.deepEqual(plain, { ok: false, step: "exec /no/such/init", errno: 2 });
  t.true(statSync(join(root, "made")).isDirectory(), "made in the root");
  t.deepEqual(readdirSync(join(root, "made")), [], "the rest in the tmpfs mounted on it");
  for (const [path, errno] of [
    ["mnt/link/data", 40], // ELOOP: a symlink on the way
    ["mnt/../data", 18], // EXDEV: ".."
  ] as const) {
    const refused = await withoutOpenat2(dir, [...prologue, ["mkdir", path, "755"], ["exec", "/bin/true"]]);
    t.deepEqual(refused, { ok: false, step: `mkdir ${path} 755`, errno }, path);
  }
  untouched(t, outside);
  t.deepEqual(readdirSync(root).sort(), ["made", "mnt"], "nothing made in the root either");
});

// ---- the core refuses targets that are not plain absolute paths ----------------------------------

const BAD_TARGETS: [string, string][] = [
  ["/mnt/../etc", "unsupported configuration: filesystem target '/mnt/../etc' must not contain '..'"],
  ["/..", "unsupported configuration: filesystem target '/..' must not contain '..'"],
  ["mnt", "unsupported configuration: filesystem target 'mnt' must be an absolute path"],
  ["", "unsupported configuration: filesystem target '' must be an absolute path"],
];

const withTarget = (name: string, target: string) => xml(name, `<filesystem type='mount'><source dir='/srv'/><target dir='${target}'/></filesystem>`);

test("the core refuses a filesystem target that is relative or holds '..', at define and at create", (t) => {
  const core = new Core(coreModule(), new MockCoreImports(0));
  const node = core.hostedNodeOpen("lxc", "/run/virtkit/lxc", "", "v2 /sys/fs/cgroup cpu memory pids");
  t.teardown(() => core.nodeClose(node));
  for (const [target, message] of BAD_TARGETS) {
    const e = t.throws(() => core.domainDefine(node, withTarget("bad", target), 0), { instanceOf: VirtError }, target);
    t.is(e?.code, ErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED, target);
    t.is(e?.message, message, target);
  }
  // harmless spellings are kept as written, and resolve to the same place in the plan
  for (const target of ["/mnt/./data", "/mnt//data/"]) {
    const plan = core.hostedPlanStart(node, core.domainDefine(node, withTarget("fine", target), 0));
    t.regex(plan, /^bind\t\/srv\tmnt\/data\t0\t1$/m, target);
  }
});

asRoot.serial("lxc:/// refuses a '..' target at define and at create, and starts nothing", async (t) => {
  const conn = await lxc(t);
  const [target, message] = BAD_TARGETS[0];
  const defined = await t.throwsAsync(conn.defineXML(withTarget("dotdot", target)), { instanceOf: VirtError });
  t.is(defined?.message, message);
  const created = await t.throwsAsync(conn.createXML(withTarget("dotdot", target)), { instanceOf: VirtError });
  t.is(created?.code, ErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED);
  t.is(created?.message, message);
  await nothingLeft(t, "dotdot");
});
