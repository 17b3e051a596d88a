// What the core tells the lxc:/// driver to do with a running container's cgroups, decided from
// libvirt's AFFECT_LIVE / AFFECT_CONFIG / current flags and the host's cgroup layout: the writes
// a change needs, and where the scheduler's live values are read; then how the host reads them.
import test from "ava";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { applyHostSteps, cgroupFacts, readSchedParams } from "../../src/drivers/lxc/host.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../../src/errors.js";
import { loadNativeShim, type NativeShim } from "../../src/host/native.js";
import { needsRoot, testIf } from "../support/gated.js";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import type { DomainRecord } from "../../src/host/core-abi.gen.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const [CURRENT, LIVE, CONFIG] = [0, 1, 2];
const V1 = "v1 memory /cg/memory\nv1 cpu /cg/cpu\nv1 cpuacct /cg/cpuacct\nv1 freezer /cg/freezer\nv1 pids /cg/pids\nv1 devices /cg/devices";
/** The node's level for the run directory /run/virtkit/lxc (FNV-1a 64 of it: cgroups.ts). */
const NODE = "virtkit/node-55fe1f445be43f17";
const V2 = "v2 /cg cpu memory pids";

/** A node on the layout with container c1 defined, and started unless `running` is false. */
function node(layout: string, running = true): { handle: number; c1: DomainRecord } {
  const handle = core.hostedNodeOpen("lxc", "/run/virtkit/lxc", "", `${layout}\n`);
  const xml = "<domain type='lxc'><name>c1</name><memory unit='MiB'>64</memory><cputune><shares>300</shares></cputune><os><type>exe</type><init>/bin/sh</init></os></domain>";
  const c1 = core.domainDefine(handle, xml, 0);
  if (running) {
    core.hostedPlanStart(handle, c1);
    core.hostedCommitStart(handle, c1, 4242, false, false);
  }
  return { handle, c1 };
}

/** Plan lines, one per element. */
const lines = (text: string) => text.split("\n").filter(Boolean);

const MEMORY_WRITES_V1 = [
  `host-write\t/cg/memory/${NODE}/lxc-c1/memory.limit_in_bytes\t33554432`,
  `host-write\t/cg/cpu/${NODE}/lxc-c1/cpu.shares\t300`,
];

test("a memory change that reaches the running container lists the cgroup writes of its live definition", (t) => {
  const { handle, c1 } = node(V1);
  t.deepEqual(lines(core.lxcSetMemory(handle, c1, 32768, CURRENT)), MEMORY_WRITES_V1);
  t.deepEqual(lines(core.lxcSetMemory(handle, c1, 32768, LIVE)), MEMORY_WRITES_V1);
  t.deepEqual(lines(core.lxcSetMemory(handle, c1, 32768, LIVE | CONFIG)), MEMORY_WRITES_V1);
});

test("a memory change that does not reach a running container writes nothing", (t) => {
  const running = node(V1);
  t.deepEqual(lines(core.lxcSetMemory(running.handle, running.c1, 32768, CONFIG)), []);
  t.deepEqual(lines(core.lxcSetMemory(running.handle, running.c1, 65536, CONFIG | 4)), []); // the maximum, of the next boot
  const off = node(V1, false);
  t.deepEqual(lines(core.lxcSetMemory(off.handle, off.c1, 32768, CURRENT)), []);
  t.throws(() => lines(core.lxcSetMemory(off.handle, off.c1, 32768, LIVE)), { message: "Requested operation is not valid: domain is not running" });
});

test("v2 writes memory.max and cpu.weight", (t) => {
  const { handle, c1 } = node(V2);
  t.deepEqual(lines(core.lxcSetMemory(handle, c1, 32768, CURRENT)), [`host-write\t/cg/${NODE}/lxc-c1/memory.max\t33554432`, `host-write\t/cg/${NODE}/lxc-c1/cpu.weight\t300`]);
});

test("a scheduler change lists the writes when it reaches the running container, none otherwise", (t) => {
  const { handle, c1 } = node(V1);
  const set = (params: string, flags: number) => {
    return lines(core.lxcSetSchedParams(handle, c1, params, flags));
  };
  t.deepEqual(set("cpu_shares\t4\t500\nvcpu_quota\t3\t50000\n", CURRENT), [
    `host-write\t/cg/memory/${NODE}/lxc-c1/memory.limit_in_bytes\t67108864`,
    `host-write\t/cg/cpu/${NODE}/lxc-c1/cpu.shares\t500`,
    `host-write\t/cg/cpu/${NODE}/lxc-c1/cpu.cfs_quota_us\t50000`,
  ]);
  t.deepEqual(set("cpu_shares\t4\t600\n", CONFIG), []);
});

test("a running container's live scheduler values are read from its cpu cgroup; the config's are not", (t) => {
  const { handle, c1 } = node(V1);
  const definition = ["cpu_shares\t4\t300", "vcpu_period\t4\t0", "vcpu_quota\t3\t0"];
  t.deepEqual(lines(core.lxcSchedParams(handle, c1, CURRENT)), [
    ...definition,
    `host-sched-param\tcpu_shares\t/cg/cpu/${NODE}/lxc-c1/cpu.shares\t0`,
    `host-sched-param\tvcpu_period\t/cg/cpu/${NODE}/lxc-c1/cpu.cfs_period_us\t0`,
    `host-sched-param\tvcpu_quota\t/cg/cpu/${NODE}/lxc-c1/cpu.cfs_quota_us\t0`,
  ]);
  t.deepEqual(lines(core.lxcSchedParams(handle, c1, CONFIG)), definition);
  const off = node(V1, false);
  t.deepEqual(lines(core.lxcSchedParams(off.handle, off.c1, CURRENT)), definition);
});

test("on v2 both cpu.max words are read, 'max' as unlimited; without a cpu controller nothing is", (t) => {
  const { handle, c1 } = node(V2);
  t.deepEqual(lines(core.lxcSchedParams(handle, c1, LIVE)).slice(3), [
    `host-sched-param\tcpu_shares\t/cg/${NODE}/lxc-c1/cpu.weight\t0`,
    `host-sched-param\tvcpu_period\t/cg/${NODE}/lxc-c1/cpu.max\t1`,
    `host-sched-param\tvcpu_quota\t/cg/${NODE}/lxc-c1/cpu.max\t0\tmax`,
  ]);
  const noCpu = node("v2 /cg memory pids");
  t.deepEqual(lines(core.lxcSchedParams(noCpu.handle, noCpu.c1, LIVE)).slice(3), []);
});

const LINES = "cpu_shares\t4\t300\nvcpu_period\t4\t0\nvcpu_quota\t3\t0\n";
const V2_SOURCES = "host-sched-param\tcpu_shares\t/w\t0\nhost-sched-param\tvcpu_period\t/m\t1\nhost-sched-param\tvcpu_quota\t/m\t0\tmax\n";
const params = (shares: number, period: number, quota: number) => [
  { field: "cpu_shares", type: 4, value: shares },
  { field: "vcpu_period", type: 4, value: period },
  { field: "vcpu_quota", type: 3, value: quota },
];

test("the host reads each value as the word the line names", (t) => {
  const files: Record<string, string> = { "/w": "100\n", "/m": "50000 100000\n" };
  const shim = { cgroupRead: (path: string) => files[path] };
  t.deepEqual(readSchedParams(shim, LINES + V2_SOURCES), params(100, 100000, 50000));
  files["/m"] = "max 100000\n";
  t.deepEqual(readSchedParams(shim, LINES + V2_SOURCES), params(100, 100000, -1));
  t.deepEqual(readSchedParams(shim, LINES), params(300, 0, 0));
});

test("when a cgroup file cannot be read, the definition's values stand, all of them", (t) => {
  const shim = {
    cgroupRead: (path: string) => {
      if (path === "/m") throw new Error("ENOENT");
      return "100\n";
    },
  };
  t.deepEqual(readSchedParams(shim, LINES + V2_SOURCES), params(300, 0, 0));
});

// ---- where the groups are, the task limit, the device allow-list --------------------------------

/** The start plan of `xml` on a fresh node with this run directory and cgroup layout (or the error). */
function startPlan(layout: string, xml: string, runDir = "/run/virtkit/lxc"): string {
  const handle = core.hostedNodeOpen("lxc", runDir, "", `${layout}\n`);
  try {
    return core.hostedPlanStart(handle, core.domainDefine(handle, xml, 0));
  } finally {
    core.nodeClose(handle);
  }
}

const container = (metadata = "") => `<domain type='lxc'><name>c1</name><memory unit='MiB'>64</memory>${metadata}<os><type>exe</type><init>/bin/sh</init></os></domain>`;
const pidsMetadata = (value: string, prefix = "vk") =>
  prefix === "" ? `<metadata><limits xmlns='urn:virtkit:lxc:1.0'><pids>${value}</pids></limits></metadata>` : `<metadata><${prefix}:limits xmlns:${prefix}='urn:virtkit:lxc:1.0'><${prefix}:pids>${value}</${prefix}:pids></${prefix}:limits></metadata>`;
/** The lines of a plan that start with `kind`. */
const linesOf = (plan: string, kind: string) => lines(plan).filter((l) => l.startsWith(`${kind}\t`));

test("two nodes (two run directories) put containers of one name in separate groups; one node keeps its own", (t) => {
  const a = linesOf(startPlan(V2, container(), "/run/a/lxc"), "cgroup");
  const b = linesOf(startPlan(V2, container(), "/run/b/lxc"), "cgroup");
  t.notDeepEqual(a, b);
  t.deepEqual(a, linesOf(startPlan(V2, container(), "/run/a/lxc"), "cgroup"), "the same node, the same group");
  t.regex(a[0], /^cgroup\t\/cg\/virtkit\/node-[0-9a-f]{16}\/lxc-c1$/);
  t.deepEqual(linesOf(startPlan(V2, container()), "cgroup"), [`cgroup\t/cg/${NODE}/lxc-c1`]);
  // on v2 each new level enables the controllers for the one below
  t.deepEqual(lines(startPlan(V2, container())).slice(0, 6), [
    "host-write\t/cg/cgroup.subtree_control\t+cpu +memory +pids",
    "host-mkdir\t/cg/virtkit",
    "host-write\t/cg/virtkit/cgroup.subtree_control\t+cpu +memory +pids",
    `host-mkdir\t/cg/${NODE}`,
    `host-write\t/cg/${NODE}/cgroup.subtree_control\t+cpu +memory +pids`,
    `host-mkdir\t/cg/${NODE}/lxc-c1`,
  ]);
});

test("the task limit: 2048 by default, or the metadata's in virtkit's namespace (any prefix); 'unlimited' writes none", (t) => {
  const pidsMax = (layout: string, metadata = "") => linesOf(startPlan(layout, container(metadata)), "host-write").filter((l) => l.includes("pids.max"));
  t.deepEqual(pidsMax(V1), [`host-write\t/cg/pids/${NODE}/lxc-c1/pids.max\t2048`]);
  t.deepEqual(pidsMax(V2), [`host-write\t/cg/${NODE}/lxc-c1/pids.max\t2048`]);
  t.deepEqual(pidsMax(V2, pidsMetadata("64")), [`host-write\t/cg/${NODE}/lxc-c1/pids.max\t64`]);
  t.deepEqual(pidsMax(V2, pidsMetadata(" 100 ", "")), [`host-write\t/cg/${NODE}/lxc-c1/pids.max\t100`]);
  t.deepEqual(pidsMax(V1, pidsMetadata("unlimited", "x")), []);
  const otherNamespace = "<metadata><vk:limits xmlns:vk='urn:example:other'><vk:pids>7</vk:pids></vk:limits></metadata>";
  t.deepEqual(pidsMax(V2, otherNamespace), [`host-write\t/cg/${NODE}/lxc-c1/pids.max\t2048`], "another namespace's <pids> is not ours");
});

test("a task limit that is not one is refused when the domain is defined", (t) => {
  const handle = core.hostedNodeOpen("lxc", "/run/virtkit/lxc", "", V2);
  t.teardown(() => core.nodeClose(handle));
  for (const value of ["0", "4194305", "-1", "12abc", "", "99999999999"]) {
    const e = t.throws(() => core.domainDefine(handle, container(pidsMetadata(value)), 0), { instanceOf: VirtError }, value);
    t.is(e?.code, ErrorNumber.VIR_ERR_XML_ERROR, value);
    t.is(e?.message, `XML error: invalid value '${value}' for <pids> in namespace urn:virtkit:lxc:1.0: a count from 1 to 4194304, or 'unlimited'`);
  }
  t.notThrows(() => core.domainDefine(handle, container(pidsMetadata("4194304")), 0));
});

test("a host without the pids controller (or v1's devices) refuses to start a container, in libvirt's words", (t) => {
  const refused = (layout: string, metadata = "") => t.throws(() => startPlan(layout, container(metadata)), { instanceOf: VirtError });
  for (const [layout, controller] of [
    ["v2 /cg cpu memory", "pids"],
    [V1.replace("\nv1 pids /cg/pids", ""), "pids"],
    [V1.replace("\nv1 devices /cg/devices", ""), "devices"],
  ]) {
    const e = refused(layout);
    t.is(e?.code, ErrorNumber.VIR_ERR_INTERNAL_ERROR);
    t.is(e?.domain, ErrorDomain.VIR_FROM_LXC);
    t.is(e?.message, `internal error: Unable to find '${controller}' cgroups controller mount`);
  }
  t.notThrows(() => startPlan("v2 /cg cpu memory", container(pidsMetadata("unlimited"))), "an explicitly unlimited container needs no pids controller");
});

const ALLOWED_V1 = ["c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm"];

test("v1: the devices group denies everything, then allows the container's own nodes", (t) => {
  const plan = startPlan(V1, container());
  t.deepEqual(
    linesOf(plan, "host-write").filter((l) => l.includes("/cg/devices/")),
    [`host-write\t/cg/devices/${NODE}/lxc-c1/devices.deny\ta`, ...ALLOWED_V1.map((rule) => `host-write\t/cg/devices/${NODE}/lxc-c1/devices.allow\t${rule}`)],
  );
  t.true(linesOf(plan, "cgroup").includes(`cgroup\t/cg/devices/${NODE}/lxc-c1`), "init joins it");
  t.deepEqual(linesOf(plan, "host-devices-bpf"), []);
});

/**
 * Runs a cgroup device program (the instructions deviceProgram emits) on one access, as the kernel
 * would: r1 points at { access_type, major, minor }; returns r0.
 */
function runDeviceProgram(program: Buffer, type: "b" | "c", major: number, minor: number, access: number): number {
  const ctx = [(access << 16) | (type === "b" ? 1 : 2), major, minor];
  const r = new Array<number>(11).fill(0);
  for (let pc = 0, steps = 0; steps < 4096; pc++, steps++) {
    const at = pc * 8;
    const [code, regs] = [program[at], program[at + 1]];
    const [dst, src, off, imm] = [regs & 15, regs >> 4, program.readInt16LE(at + 2), program.readInt32LE(at + 4)];
    if (code === 0x61 && src === 1) r[dst] = ctx[off / 4];
    else if (code === 0x57) r[dst] &= imm;
    else if (code === 0xb7) r[dst] = imm;
    else if (code === 0x55) pc += r[dst] !== imm ? off : 0;
    else if (code === 0x95) return r[0];
    else throw new Error(`instruction ${pc}: opcode 0x${code?.toString(16)} not expected`);
  }
  throw new Error("the program does not end");
}

test("v2: the device program allows the container's own nodes, every access, and nothing else", (t) => {
  const bpf = linesOf(startPlan(V2, container()), "host-devices-bpf");
  t.is(bpf.length, 1);
  const [, dir, hex] = bpf[0].split("\t");
  t.is(dir, `/cg/${NODE}/lxc-c1`);
  const program = Buffer.from(hex, "hex");
  const [MKNOD, READ, WRITE] = [1, 2, 4];
  const allowed = [[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 2], [136, 0], [136, 7], [136, 4095]];
  for (const [major, minor] of allowed) {
    for (const access of [READ, WRITE, READ | WRITE, MKNOD]) t.is(runDeviceProgram(program, "c", major, minor, access), 1, `c ${major}:${minor} access ${access}`);
  }
  const denied = [[1, 1], [1, 2], [1, 4], [1, 11], [5, 1], [4, 0], [10, 229], [10, 200], [137, 0], [0, 3]];
  for (const [major, minor] of denied) t.is(runDeviceProgram(program, "c", major, minor, READ | WRITE), 0, `c ${major}:${minor}`);
  for (const [major, minor] of [[1, 3], [8, 0], [136, 0]]) t.is(runDeviceProgram(program, "b", major, minor, READ), 0, `b ${major}:${minor}`);
});

/** A shim whose cgroup calls only record, and whose device-program call fails as the kernel may. */
function recordingShim(fail: { syscall: string; code: string; errno: number }) {
  const calls: string[] = [];
  const shim = {
    cgroupMkdir: (path: string) => void calls.push(`mkdir ${path}`),
    cgroupRmdir: (path: string) => void calls.push(`rmdir ${path}`),
    cgroupWrite: (path: string) => void calls.push(`write ${path}`),
    cgroupRead: () => "",
    cgroupAttachDeviceProgram: (path: string) => {
      calls.push(`attach ${path}`);
      throw Object.assign(new Error(`${fail.syscall} '${path}'`), fail);
    },
  };
  return { calls, shim: shim as unknown as NativeShim };
}

test("a device program the kernel refuses fails the start in libvirt's words, and the groups made for it go", (t) => {
  const plan = startPlan("v2 /nonexistent-cg cpu memory pids", container());
  for (const [syscall, step] of [
    ["bpf(BPF_PROG_ATTACH)", "attach"],
    ["bpf(BPF_PROG_LOAD)", "load"],
  ]) {
    const { calls, shim } = recordingShim({ syscall, code: "EPERM", errno: 1 });
    const e = t.throws(() => applyHostSteps(shim, plan), { instanceOf: VirtError });
    t.is(e?.code, ErrorNumber.VIR_ERR_SYSTEM_ERROR);
    t.is(e?.domain, ErrorDomain.VIR_FROM_CGROUP);
    t.is(e?.message, `failed to ${step} cgroup BPF prog: Operation not permitted`);
    const group = `/nonexistent-cg/${NODE}`;
    t.deepEqual(calls.slice(-4), [`attach ${group}/lxc-c1`, `rmdir ${group}/lxc-c1`, `rmdir ${group}`, "rmdir /nonexistent-cg/virtkit"], "removed deepest first, nothing written after");
  }
});

const asRoot = testIf(needsRoot("cgroups, bpf"));
const v2Mount = /^v2 (\S+)/m.exec(cgroupFacts())?.[1];

asRoot("the device program loads on this kernel and keeps a group's processes to the list", (t) => {
  if (v2Mount === undefined) return t.pass("this host has no cgroup2 mount (the container tests cover v1)");
  const shim = loadNativeShim();
  const [, , hex] = linesOf(startPlan(V2, container()), "host-devices-bpf")[0].split("\t");
  const dir = join(v2Mount, `virtkit-devices-test-${process.pid}`);
  const nodes = mkdtempSync("/tmp/virtkit-devices-");
  shim.cgroupMkdir(dir);
  t.teardown(() => {
    shim.cgroupRmdir(dir);
    rmSync(nodes, { recursive: true, force: true });
  });
  shim.cgroupAttachDeviceProgram(dir, Buffer.from(hex, "hex"));
  execFileSync("mknod", [join(nodes, "kmsg"), "c", "1", "11"]);
  execFileSync("mknod", [join(nodes, "null"), "c", "1", "3"]);
  const files = ["/dev/null", "/dev/urandom", join(nodes, "null"), join(nodes, "kmsg"), "/dev/mem"];
  // a shell that moves itself into the group, then opens each file (stdin) and says what happened
  const script = `echo $$ > ${dir}/cgroup.procs && for f in ${files.join(" ")}; do if (: < $f) 2>/dev/null; then echo "$f ok"; else echo "$f denied"; fi; done`;
  const out = spawnSync("sh", ["-c", script], { encoding: "utf8" });
  t.is(out.stdout, `/dev/null ok\n/dev/urandom ok\n${nodes}/null ok\n${nodes}/kmsg denied\n/dev/mem denied\n`);
  t.is(spawnSync("sh", ["-c", `: < ${nodes}/kmsg`]).status, 0, "outside the group the same node opens");
});
