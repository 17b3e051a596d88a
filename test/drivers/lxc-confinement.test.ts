// What a container's root may do on lxc:///system: probes run inside real containers, as init
// and init's children (so they carry the container's capabilities and seccomp filter), and
// report through a host folder bound at /mnt. Without <idmap> the container's root is the
// host's: it must not reconfigure the host's kernel, remount its root writable, make device
// nodes or call the syscalls the filter refuses. The filter itself is also checked as a BPF
// program, run here over (architecture, syscall) pairs, without root.
import test from "ava";
import { needsRoot, testIf } from "../support/gated.js";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Connection } from "../../src/index.js";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { decodeLines } from "../../src/drivers/hosted/plan-lines.js";
import { eventFrom, instanceFile, lxcTestNode, openForTest } from "../support/hosted.js";

const asRoot = testIf(needsRoot("namespaces, cgroups"));
const { base, runDir } = lxcTestNode("virtkit-confine-test");

const IDMAP = "<idmap><uid start='0' target='100000' count='65536'/><gid start='0' target='100000' count='65536'/></idmap>";

/** Capability numbers (linux/capability.h). */
const CAP = { net_admin: 12, sys_module: 16, sys_rawio: 17, sys_admin: 21, sys_boot: 22, sys_time: 25, mknod: 27, audit_control: 30, mac_admin: 33, syslog: 34, bpf: 39 };
/** What a default container's init must not hold. */
const DROPPED = [CAP.sys_admin, CAP.sys_module, CAP.sys_rawio, CAP.sys_time, CAP.mknod, CAP.audit_control, CAP.mac_admin, CAP.syslog, CAP.bpf, CAP.net_admin];

/** The probes' syscalls (x86_64 numbers), with arguments that change nothing where a call is let through. */
const DENIED: Record<string, number> = { acct: 163, swapon: 167, swapoff: 168, iopl: 172, ioperm: 173, init_module: 175, delete_module: 176, kexec_load: 246, open_by_handle_at: 304, finit_module: 313, kexec_file_load: 320 };

const PROBE_PY = `
import ctypes, json
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
L = ctypes.c_long
nothing = b"/virtkit-no-such-file"
def call(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(L(nr), *args)
    return "ok" if r >= 0 else "errno %d" % ctypes.get_errno()
print(json.dumps({
    "acct": call(163, ctypes.c_char_p(nothing)),
    "swapon": call(167, ctypes.c_char_p(nothing), L(0)),
    "swapoff": call(168, ctypes.c_char_p(nothing)),
    "iopl": call(172, L(4)),
    "ioperm": call(173, L(0), L(0), L(1)),
    "init_module": call(175, L(0), L(0), ctypes.c_char_p(b"")),
    "delete_module": call(176, ctypes.c_char_p(b"virtkit_no_such_module"), L(0)),
    "kexec_load": call(246, L(0), L(1000), L(0), L(0)),
    "open_by_handle_at": call(304, L(-1), L(0), L(0)),
    "finit_module": call(313, L(-1), ctypes.c_char_p(b""), L(0)),
    "kexec_file_load": call(320, L(-1), L(-1), L(0), L(0), L(0x80000000)),
    "x32 getpid": call(0x40000000 | 39),
    "getpid": call(39),
}))
`;

/** Init's script: every probe writes what happened to a file in /mnt, then init ends (exit 0). */
function probeScript(hostFile: string, mounts: boolean): string {
  const tried = (name: string, command: string) => `if ${command}; then echo ok; else echo refused; fi > /mnt/${name}\n`;
  let s = "exec 2>/dev/null\n";
  s += "grep -E '^(Cap|Seccomp:)' /proc/1/status > /mnt/status\n";
  s += "python3 /mnt/probe.py > /mnt/syscalls\n";
  if (mounts) {
    s += "cat /proc/self/mountinfo > /mnt/mountinfo\n";
    // the same value back: harmless if the write goes through
    s += "pattern=$(cat /proc/sys/kernel/core_pattern)\n";
    s += tried("core_pattern", `printf '%s\\n' "$pattern" > /proc/sys/kernel/core_pattern`);
    // '#' is no sysrq command: the kernel would only log its help
    s += "if [ -e /proc/sysrq-trigger ]; then " + tried("sysrq", "printf '#' > /proc/sysrq-trigger").trim() + "; else echo absent > /mnt/sysrq; fi\n";
    s += tried("remount_bind", "mount -o remount,bind,rw /");
    s += tried("create_after_bind", `touch ${hostFile}`);
    s += tried("remount", "mount -o remount,rw /");
    s += tried("create_after_remount", `touch ${hostFile}`);
    s += tried("mknod", "mknod /dev/virtkit-kmsg c 1 11");
  }
  return s + "exit 0\n";
}

function xml(name: string, probeDir: string, extra: string): string {
  return `<domain type='lxc'><name>${name}</name><memory unit='MiB'>256</memory>${extra}<os><type>exe</type><init>/bin/sh</init><initarg>/mnt/probe.sh</initarg></os><devices><filesystem type='mount'><source dir='${probeDir}'/><target dir='/mnt'/></filesystem></devices></domain>`;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Resolves once the supervisor has recorded that the container ended. */
function ended(name: string): Promise<void> {
  const done = () => /^state shutoff$/m.test(readText(instanceFile(runDir, name, "status")));
  return new Promise<void>((resolve) => {
    const watcher = watch(runDir, () => done() && (watcher.close(), resolve()));
    if (done()) (watcher.close(), resolve());
  });
}

interface Probed {
  /** One probe's result file. */
  read(file: string): string;
  caps(field: string): bigint;
  syscalls: Record<string, string>;
  /** The mount options of the topmost mount at this point inside the container. */
  mountOptions(point: string): string | undefined;
  hostFile: string;
}

/** Runs the probes as init of a container named `name` and returns what they found. */
async function probe(t: import("ava").ExecutionContext, conn: Connection, name: string, extra: string, mounts: boolean): Promise<Probed> {
  const dir = join(base, `probe-${name}`);
  mkdirSync(dir);
  chmodSync(dir, 0o777); // root inside may be 100000 outside
  const hostFile = `/virtkit-confine-${process.pid}-${name}`;
  t.teardown(() => rmSync(hostFile, { force: true }));
  writeFileSync(join(dir, "probe.sh"), probeScript(hostFile, mounts));
  writeFileSync(join(dir, "probe.py"), PROBE_PY);
  const dom = await conn.defineXML(xml(name, dir, extra));
  mkdirSync(runDir, { recursive: true });
  const end = ended(name);
  await dom.create();
  await eventFrom(end, 60_000);
  await dom.undefine();
  const read = (file: string) => readText(join(dir, file)).trim();
  const status = read("status");
  const mountinfo = read("mountinfo").split("\n").map((l) => l.split(" "));
  return {
    read,
    caps: (field) => BigInt("0x" + (new RegExp(`^${field}:\\s+([0-9a-f]+)$`, "m").exec(status)?.[1] ?? "ffffffffffffffff")),
    syscalls: JSON.parse(read("syscalls") || "{}"),
    mountOptions: (point) => mountinfo.filter((f) => f[4] === point).at(-1)?.[5],
    hostFile,
  };
}

const has = (set: bigint, cap: number) => ((set >> BigInt(cap)) & 1n) === 1n;

function assertConfined(t: import("ava").ExecutionContext, p: Probed): void {
  for (const field of ["CapBnd", "CapEff", "CapPrm"]) {
    const set = p.caps(field);
    t.deepEqual(DROPPED.filter((c) => has(set, c)), [], `${field} lacks the dropped capabilities`);
    t.true(has(set, CAP.sys_boot), `${field} keeps sys_boot (reboot(2) powers the container off)`);
  }
  t.is(p.caps("CapInh"), 0n, "nothing inheritable");
  t.is(p.caps("CapAmb"), 0n, "nothing ambient");
  t.regex(p.read("status"), /^Seccomp:\s+2$/m, "init runs under a seccomp filter");
  t.is(p.read("core_pattern"), "refused", "/proc/sys/kernel/core_pattern cannot be written");
  t.not(p.read("sysrq"), "ok", "/proc/sysrq-trigger cannot be written");
  t.is(p.read("remount_bind"), "refused", "mount -o remount,bind,rw / is refused");
  t.is(p.read("create_after_bind"), "refused");
  t.is(p.read("remount"), "refused", "mount -o remount,rw / is refused");
  t.is(p.read("create_after_remount"), "refused", "nothing can be created in /");
  t.false(existsSync(p.hostFile), "no file appeared on the host's root");
  t.is(p.read("mknod"), "refused", "mknod c 1 11 is refused");
  for (const point of ["/", "/sys", "/proc/sys", "/proc/irq", "/proc/bus", "/proc/sysrq-trigger"]) {
    if (point.startsWith("/proc/") && !existsSync(point)) continue; // this kernel has none
    t.regex(p.mountOptions(point) ?? "(no mount)", /^ro(,|$)/, `${point} is read-only`);
  }
  for (const file of ["/proc/kcore", "/proc/kmsg", "/proc/keys", "/proc/timer_list"]) {
    if (existsSync(file)) t.regex(p.mountOptions(file) ?? "(no mount)", /^ro(,|$)/, `${file} is masked`);
  }
  assertFiltered(t, p);
}

function assertFiltered(t: import("ava").ExecutionContext, p: Probed): void {
  for (const name of Object.keys(DENIED)) t.is(p.syscalls[name], "errno 1", `${name} is refused with EPERM`);
  t.is(p.syscalls["x32 getpid"], "errno 1", "x32 syscalls are refused");
  t.is(p.syscalls.getpid, "ok", "other syscalls go through");
}

asRoot.serial("a default container's root cannot reconfigure the host's kernel, remount its root or make devices", async (t) => {
  const conn = await openForTest(t, "lxc:///system");
  assertConfined(t, await probe(t, conn, "confined", "", true));
});

asRoot.serial("with <idmap>, the same confinement holds inside the user namespace", async (t) => {
  const conn = await openForTest(t, "lxc:///system");
  assertConfined(t, await probe(t, conn, "confined-mapped", IDMAP, true));
});

asRoot.serial("with <idmap> and a private network, /sys is its own and read-only", async (t) => {
  const conn = await openForTest(t, "lxc:///system");
  const p = await probe(t, conn, "confined-netns", IDMAP + "<features><privnet/></features>", true);
  t.regex(p.mountOptions("/sys") ?? "(no mount)", /^ro(,|$)/);
  t.is(p.read("remount_bind"), "refused");
  assertFiltered(t, p);
});

/** The capability bounding set of init in a container with these <features><capabilities>. */
async function boundingSetWith(t: import("ava").ExecutionContext, name: string, capabilities: string): Promise<{ bounding: bigint; probed: Probed }> {
  const conn = await openForTest(t, "lxc:///system");
  const probed = await probe(t, conn, name, `<features>${capabilities}</features>`, false);
  return { bounding: probed.caps("CapBnd"), probed };
}

asRoot.serial("<capabilities policy='allow'> keeps CAP_SYS_ADMIN; the seccomp filter stays", async (t) => {
  const { bounding, probed } = await boundingSetWith(t, "allowed", "<capabilities policy='allow'><sys_module state='off'/></capabilities>");
  t.true(has(bounding, CAP.sys_admin), "sys_admin kept");
  t.true(has(bounding, CAP.mknod), "mknod kept");
  t.false(has(bounding, CAP.sys_module), "sys_module turned off");
  assertFiltered(t, probed);
});

asRoot.serial("<sys_admin state='on'/> under the default policy keeps CAP_SYS_ADMIN alone", async (t) => {
  const { bounding } = await boundingSetWith(t, "sysadmin", "<capabilities policy='default'><sys_admin state='on'/></capabilities>");
  t.true(has(bounding, CAP.sys_admin), "sys_admin kept");
  t.deepEqual(DROPPED.filter((c) => c !== CAP.sys_admin && has(bounding, c)), [], "the rest of the default set is dropped");
});

asRoot.serial("<capabilities policy='deny'> leaves init only the capabilities turned on", async (t) => {
  const { bounding } = await boundingSetWith(t, "denied", "<capabilities policy='deny'><setuid state='on'/><kill/></capabilities>");
  t.is(bounding, (1n << 7n) | (1n << 5n));
});

// ---- the seccomp program, run as the kernel runs it ------------------------------------------------

const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_I386 = 0x40000003;
const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;

/** The seccomp line of a plan, decoded to its sock_filter instructions. */
function filterOf(plan: string): { code: number; jt: number; jf: number; k: number }[] {
  const hex = decodeLines(plan).find((f) => f[0] === "seccomp")?.[1] ?? "";
  const bytes = Buffer.from(hex, "hex");
  const out = [];
  for (let at = 0; at + 8 <= bytes.length; at += 8) out.push({ code: bytes.readUInt16LE(at), jt: bytes[at + 2], jf: bytes[at + 3], k: bytes.readUInt32LE(at + 4) });
  return out;
}

/** Classic BPF over seccomp_data { nr, arch }: only the instructions a filter may use here. */
function runFilter(prog: ReturnType<typeof filterOf>, arch: number, nr: number): number {
  let a = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc];
    if (code === 0x20) a = k === 0 ? nr : k === 4 ? arch : NaN; // ld [k]
    else if (code === 0x15) pc += a === k ? jt : jf; // jeq #k
    else if (code === 0x35) pc += a >= k ? jt : jf; // jge #k
    else if (code === 0x06) return k; // ret #k
    else throw new Error(`instruction ${code.toString(16)} at ${pc}`);
  }
  throw new Error("ran off the end of the program");
}

function planOf(xmlText: string): string {
  const core = new Core(coreModule(), new MockCoreImports(0));
  const node = core.hostedNodeOpen("lxc", "/run/virtkit/lxc", "", "v2 /sys/fs/cgroup cpuset cpu io memory pids");
  try {
    return core.hostedPlanStart(node, core.domainDefine(node, xmlText, 0));
  } finally {
    core.nodeClose(node);
  }
}

test("the seccomp program refuses the denied syscalls, foreign architectures and x32, and lets the rest through", (t) => {
  const prog = filterOf(planOf("<domain type='lxc'><name>f</name><memory>1024</memory><os><type>exe</type></os></domain>"));
  t.true(prog.length > 0, "an x86_64 container has a filter");
  for (const [name, nr] of Object.entries(DENIED)) t.is(runFilter(prog, AUDIT_ARCH_X86_64, nr), EPERM, name);
  for (const nr of [0, 1, 39, 56, 59, 60, 161, 165, 169, 231, 435]) t.is(runFilter(prog, AUDIT_ARCH_X86_64, nr), ALLOW, `syscall ${nr}`);
  t.is(runFilter(prog, AUDIT_ARCH_X86_64, 0x40000000 | 39), EPERM, "x32 getpid");
  t.is(runFilter(prog, AUDIT_ARCH_I386, 20), EPERM, "i386 getpid");
});

test("a container of another architecture gets no filter", (t) => {
  const plan = planOf("<domain type='lxc'><name>f</name><memory>1024</memory><os><type arch='aarch64'>exe</type></os></domain>");
  t.deepEqual(filterOf(plan), []);
  t.true(decodeLines(plan).some((f) => f[0] === "bounding-set"), "its capabilities are still limited");
});
