// What the core tells the lxc:/// driver to do with a running container's cgroups, decided from
// libvirt's AFFECT_LIVE / AFFECT_CONFIG / current flags and the host's cgroup layout: the writes
// a change needs, and where the scheduler's live values are read; then how the host reads them.
import test from "ava";
import { readSchedParams } from "../../src/drivers/lxc/host.js";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import type { DomainRecord } from "../../src/host/core-abi.gen.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const [CURRENT, LIVE, CONFIG] = [0, 1, 2];
const V1 = "v1 memory /cg/memory\nv1 cpu /cg/cpu\nv1 cpuacct /cg/cpuacct\nv1 freezer /cg/freezer";
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
  "host-write\t/cg/memory/virtkit/lxc-c1/memory.limit_in_bytes\t33554432",
  "host-write\t/cg/cpu/virtkit/lxc-c1/cpu.shares\t300",
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
  t.deepEqual(lines(core.lxcSetMemory(handle, c1, 32768, CURRENT)), ["host-write\t/cg/virtkit/lxc-c1/memory.max\t33554432", "host-write\t/cg/virtkit/lxc-c1/cpu.weight\t300"]);
});

test("a scheduler change lists the writes when it reaches the running container, none otherwise", (t) => {
  const { handle, c1 } = node(V1);
  const set = (params: string, flags: number) => {
    return lines(core.lxcSetSchedParams(handle, c1, params, flags));
  };
  t.deepEqual(set("cpu_shares\t4\t500\nvcpu_quota\t3\t50000\n", CURRENT), [
    "host-write\t/cg/memory/virtkit/lxc-c1/memory.limit_in_bytes\t67108864",
    "host-write\t/cg/cpu/virtkit/lxc-c1/cpu.shares\t500",
    "host-write\t/cg/cpu/virtkit/lxc-c1/cpu.cfs_quota_us\t50000",
  ]);
  t.deepEqual(set("cpu_shares\t4\t600\n", CONFIG), []);
});

test("a running container's live scheduler values are read from its cpu cgroup; the config's are not", (t) => {
  const { handle, c1 } = node(V1);
  const definition = ["cpu_shares\t4\t300", "vcpu_period\t4\t0", "vcpu_quota\t3\t0"];
  t.deepEqual(lines(core.lxcSchedParams(handle, c1, CURRENT)), [
    ...definition,
    "host-sched-param\tcpu_shares\t/cg/cpu/virtkit/lxc-c1/cpu.shares\t0",
    "host-sched-param\tvcpu_period\t/cg/cpu/virtkit/lxc-c1/cpu.cfs_period_us\t0",
    "host-sched-param\tvcpu_quota\t/cg/cpu/virtkit/lxc-c1/cpu.cfs_quota_us\t0",
  ]);
  t.deepEqual(lines(core.lxcSchedParams(handle, c1, CONFIG)), definition);
  const off = node(V1, false);
  t.deepEqual(lines(core.lxcSchedParams(off.handle, off.c1, CURRENT)), definition);
});

test("on v2 both cpu.max words are read, 'max' as unlimited; without a cpu controller nothing is", (t) => {
  const { handle, c1 } = node(V2);
  t.deepEqual(lines(core.lxcSchedParams(handle, c1, LIVE)).slice(3), [
    "host-sched-param\tcpu_shares\t/cg/virtkit/lxc-c1/cpu.weight\t0",
    "host-sched-param\tvcpu_period\t/cg/virtkit/lxc-c1/cpu.max\t1",
    "host-sched-param\tvcpu_quota\t/cg/virtkit/lxc-c1/cpu.max\t0\tmax",
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
