// kvm:/// memory through the balloon, as far as it goes without a running guest: the plan's
// balloon line, the statistics a VMM's reply becomes (libvirt's tags, order and units), and
// libvirt's refusals. test/kvm/ checks setmem --live and dommemstat on a real guest.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { parseVmmPlan } from "../../src/vmm/plan.js";
import { memoryStatsOf } from "../../src/drivers/kvm/balloon.js";
import { DomainMemoryStatTags as Tag } from "../../src/constants.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const node = core.hostedNodeOpen("kvm", "/run/virtkit/kvm", "/var/lib/virtkit/kvm/dump", "");
const OS = "<os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os>";
const domain = (devices: string) => `<domain type='kvm'><name>m1</name><memory unit='MiB'>256</memory>${OS}<devices>${devices}</devices></domain>`;

test("a virtio balloon is a plan line at its PCI address, deflate-on-OOM with autodeflate='on'", (t) => {
  t.deepEqual(parseVmmPlan(core.hostedPlanCreate(node, domain("<memballoon model='virtio'/>"))).pciDevices, [{ kind: "virtio-balloon", bus: 0, slot: 2, function: 0, deflateOnOom: false }]);
  t.like(parseVmmPlan(core.hostedPlanCreate(node, domain("<memballoon model='virtio' autodeflate='on'><stats period='10'/></memballoon>"))).pciDevices[0], { deflateOnOom: true });
  t.deepEqual(parseVmmPlan(core.hostedPlanCreate(node, domain("<memballoon model='none'/>"))).pciDevices, []);
  t.throws(() => core.hostedPlanCreate(node, domain("<memballoon model='virtio' freePageReporting='on'/>")), { message: "unsupported configuration: the KVM driver does not support <memballoon freePageReporting='on'> yet" });
});

test("a VMM's memstat reply becomes libvirt's statistics: actual first, the guest's in KiB, last_update, rss last", (t) => {
  // 256 MiB guest, 1024 pages (4 MiB) in the balloon; the guest's numbers in bytes as virtio gives them
  const reply = "ok target 1024 actual 1024 updated 1700000000123 stats 4096,0,12,3400,104857600,262144000,-1,52428800,0,0";
  const stats = memoryStatsOf(reply, 262144, process.pid);
  const names = stats.map((s) => s.tag);
  t.deepEqual(names, [
    Tag.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON,
    Tag.VIR_DOMAIN_MEMORY_STAT_SWAP_IN,
    Tag.VIR_DOMAIN_MEMORY_STAT_SWAP_OUT,
    Tag.VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT,
    Tag.VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT,
    Tag.VIR_DOMAIN_MEMORY_STAT_UNUSED,
    Tag.VIR_DOMAIN_MEMORY_STAT_AVAILABLE,
    Tag.VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE,
    Tag.VIR_DOMAIN_MEMORY_STAT_DISK_CACHES,
    Tag.VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC,
    Tag.VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL,
    Tag.VIR_DOMAIN_MEMORY_STAT_RSS,
  ], "usable left out: the guest did not report it");
  t.deepEqual(stats.slice(0, 11).map((s) => s.val), [262144 - 4096, 4, 0, 12, 3400, 102400, 256000, 1700000000, 51200, 0, 0]);
  t.true(stats[11].val > 0, "this process's RSS");
  t.deepEqual(memoryStatsOf("ok target 0 actual 0 updated 0 stats -1,-1,-1,-1,-1,-1,-1,-1,-1,-1", 262144, process.pid).map((s) => s.tag), [Tag.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, Tag.VIR_DOMAIN_MEMORY_STAT_RSS], "no report from the guest yet");
  t.deepEqual(memoryStatsOf("error no balloon", 262144, process.pid).map((s) => s.tag), [Tag.VIR_DOMAIN_MEMORY_STAT_RSS], "no balloon: the RSS only, as libvirt");
});
