// What kvm:/// accepts and the plan its VMM process gets, decided by core.wasm (no /dev/kvm needed):
// devices the VMM does not model are refused by name, never dropped.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { parseVmmPlan } from "../../src/vmm/plan.js";
import { DomainOp } from "../../src/host/core-abi.gen.js";
import { checkDiskSources } from "../../src/drivers/kvm.js";
import type { VirtError } from "../../src/errors.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const node = core.hostedNodeOpen("kvm", "/run/virtkit/kvm", "/var/lib/virtkit/kvm/dump", "");

function domain(body: string, type = "kvm"): string {
  return `<domain type='${type}'><name>g1</name><memory unit='MiB'>256</memory>${body}</domain>`;
}
const OS = "<os><type>hvm</type><kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd.gz</initrd><cmdline>console=ttyS0 quiet</cmdline></os>";

/** The plan for a transient guest, or the error core.wasm gives. */
function plan(xml: string): string {
  return core.hostedPlanCreate(node, xml);
}

test("a direct-kernel guest becomes a VMM plan", (t) => {
  const text = plan(domain(`${OS}<on_reboot>destroy</on_reboot><on_crash>coredump-restart</on_crash><devices><serial type='file'><source path='/var/log/g1.log'/></serial><console type='pty'/></devices>`));
  const instance = parseVmmPlan(text).instance;
  t.regex(instance, /^[0-9a-f]{12}$/, "each start is an instance of its own");
  t.deepEqual(parseVmmPlan(text), {
    instance,
    control: `/run/virtkit/kvm/g1.${instance}.sock`,
    status: `/run/virtkit/kvm/g1.${instance}.status`,
    memoryBytes: 256 * 1024 * 1024,
    vcpus: 1,
    kernel: "/boot/vmlinuz",
    initrd: "/boot/initrd.gz",
    cmdline: "console=ttyS0 quiet",
    serial: { kind: "file", path: "/var/log/g1.log" },
    onPoweroff: "end",
    onReboot: "end",
    onCrash: "restart",
    coredump: "/var/lib/virtkit/kvm/dump/g1",
    pciBridges: [],
    // libvirt's default balloon, in the first free slot
    pciDevices: [{ kind: "virtio-balloon", bus: 0, slot: 2, function: 0, deflateOnOom: false }],
    disks: [],
    nics: [],
  });
  t.like(parseVmmPlan(plan(domain(`${OS}<on_crash>coredump-destroy</on_crash>`))), { onCrash: "end", coredump: "/var/lib/virtkit/kvm/dump/g1" });
  t.like(parseVmmPlan(plan(domain(`${OS}<on_crash>preserve</on_crash>`))), { onCrash: "preserve", coredump: undefined });
  t.like(parseVmmPlan(plan(domain(`<vcpu>4</vcpu>${OS}`))), { vcpus: 4 });
  // libvirt's defaults: on_reboot restarts
  t.like(parseVmmPlan(plan(domain(OS))), { onPoweroff: "end", onReboot: "restart", onCrash: "end", serial: { kind: "none" } });
});

test("what the VMM cannot run is refused as unsupported configuration, naming it", (t) => {
  const cases: [string, string][] = [
    [domain(OS, "lxc"), "unsupported configuration: domain type 'lxc' is not supported by the KVM driver"],
    [domain("<os><type>exe</type><init>/bin/sh</init></os>"), "unsupported configuration: the KVM driver runs only <os><type>hvm</type></os> domains"],
    [domain("<os><type>hvm</type><boot dev='hd'/></os>"), "unsupported configuration: the KVM driver boots a direct <kernel> only (no firmware yet)"],
    [domain(`<vcpu>65</vcpu>${OS}`), "unsupported configuration: the KVM driver runs guests with at most 64 vCPUs, not 65"],
    [domain(`<vcpu current='1'>2</vcpu>${OS}`), "unsupported configuration: the KVM driver starts every vCPU: <vcpu current='1'> below the maximum (hotplug) is not supported"],
    [domain(`${OS}<devices><disk type='file' device='cdrom'><source file='/x.iso'/><target dev='sda' bus='sata'/></disk></devices>`), "unsupported configuration: the KVM driver does not support <disk device='cdrom'> yet"],
    [domain(`${OS}<devices><disk type='file' device='disk'><source file='/x.img'/><target dev='sda' bus='sata'/></disk></devices>`), "unsupported configuration: the KVM driver does not support disks on bus 'sata' yet (only 'virtio')"],
    [domain(`${OS}<devices><disk type='network' device='disk'><source protocol='nbd' name='x'><host name='h'/></source><target dev='vda' bus='virtio'/></disk></devices>`), "unsupported configuration: the KVM driver does not support <disk type='network'> yet (only 'file' and 'block')"],
    [domain(`${OS}<devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk></devices>`), "unsupported configuration: the KVM driver needs a <source> for every disk"],
    [domain(`${OS}<devices><disk type='file' device='disk'><driver name='qemu' type='vmdk'/><source file='/x.vmdk'/><target dev='vda' bus='virtio'/><readonly/></disk></devices>`), "unsupported configuration: the KVM driver does not support <driver type='vmdk'> disks yet (only 'raw' and 'qcow2')"],
    [domain(`${OS}<devices><disk type='file' device='disk'><driver name='qemu' type='raw' queues='4'/><source file='/x.img'/><target dev='vda' bus='virtio'/></disk></devices>`), "unsupported configuration: the KVM driver does not support <driver queues='…'> for disks yet"],
    [domain(`${OS}<devices><disk type='file' device='disk'><source file='/x.img'/><target dev='vda' bus='virtio'/><iotune><total_bytes_sec>1000</total_bytes_sec></iotune></disk></devices>`), "unsupported configuration: the KVM driver does not support <iotune> in <disk> yet"],
    [domain(`${OS}<devices><interface type='user'><model type='virtio'/></interface></devices>`), "unsupported configuration: the KVM driver does not support <interface type='user'> (only 'network', 'bridge' and 'ethernet')"],
    [domain(`${OS}<devices><interface type='bridge'><source bridge='br0'/><model type='e1000'/></interface></devices>`), "unsupported configuration: the KVM driver does not support <model type='e1000'> for interfaces (only 'virtio')"],
    [domain(`${OS}<devices><interface type='bridge'><source bridge='br0'/></interface></devices>`), "unsupported configuration: the KVM driver does not support <model type=''> for interfaces (only 'virtio')"],
    [domain(`${OS}<devices><interface type='bridge'><source bridge='br0'/><model type='virtio'/><driver queues='4'/></interface></devices>`), "unsupported configuration: the KVM driver does not support <driver queues='…'> for interfaces yet"],
    [domain(`${OS}<devices><interface type='bridge'><source bridge='br0'/><model type='virtio'/><driver name='vfio'/></interface></devices>`), "unsupported configuration: the KVM driver does not support <driver name='vfio'> for interfaces (only 'vhost' and 'qemu')"],
    [
      domain(`${OS}<devices><interface type='bridge'><source bridge='br0'/><model type='virtio'/><driver name='vhost'><host csum='off'/></driver></interface></devices>`),
      "unsupported configuration: the KVM driver does not support <host> in an interface's <driver> yet",
    ],
    [
      domain(`${OS}<devices><interface type='ethernet'><target dev='vnet7' managed='no'/><model type='virtio'/></interface></devices>`),
      "unsupported configuration: the KVM driver uses an existing tap (<target managed='no'>) only for type 'ethernet', named by <target dev>",
    ],
    [domain(`${OS}<devices><graphics type='vnc'/></devices>`), "unsupported configuration: the KVM driver does not support <graphics> devices yet"],
    [domain(`${OS}<on_crash>rename-restart</on_crash>`), "unsupported configuration: kvm driver doesn't support the 'rename-restart' action for 'on_reboot'/'on_poweroff'/'on_crash'"],
    [domain(`${OS}<on_poweroff>preserve</on_poweroff>`), "unsupported configuration: kvm driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'"],
    [domain(OS.replace("<type>", "<type machine='microvm'>")), "unsupported configuration: the KVM driver emulates the 'pc' and 'q35' machine types, not 'microvm'"],
    [domain(`${OS}<devices><controller type='usb' model='qemu-xhci'/></devices>`), "unsupported configuration: the KVM driver does not support <controller type='usb' model='qemu-xhci'> yet"],
    [domain(`${OS}<devices><controller type='pci' index='1' model='dmi-to-pci-bridge'/></devices>`), "unsupported configuration: the KVM driver does not support <controller type='pci' model='dmi-to-pci-bridge'> yet"],
    [domain(`${OS}<devices><serial type='tcp'><source mode='bind' host='127.0.0.1' service='4555'/></serial></devices>`), "unsupported configuration: the KVM driver does not support <serial type='tcp'>"],
  ];
  for (const [xml, message] of cases) {
    const e = t.throws(() => plan(xml), undefined, message);
    t.is(e?.message, message);
    t.is((e as { code?: number }).code, 67, message); // VIR_ERR_CONFIG_UNSUPPORTED
  }
  // and the node keeps working
  t.regex(plan(domain(OS)), /^kernel\t\/boot\/vmlinuz$/m);
});

test("each virtio disk is a plan line: its address, image and format, cache and discard flags, serial and lock bytes", (t) => {
  const disks =
    "<disk type='file' device='disk'><driver name='qemu' type='raw' cache='none' discard='unmap'/><source file='/images/root.img'/><target dev='vda' bus='virtio'/><serial>ROOT-1</serial><boot order='1'/></disk>" +
    "<disk type='block' device='disk'><driver name='qemu' type='qcow2' cache='writethrough'/><source dev='/dev/sdz'/><target dev='vdb' bus='virtio'/><readonly/></disk>" +
    "<disk type='file' device='disk'><driver name='qemu' cache='unsafe'/><source file='/images/shared.img'/><target dev='vdc' bus='virtio'/><shareable/></disk>";
  const text = plan(domain(`${OS}<devices>${disks}</devices>`));
  t.regex(text, /^disk	0	2	0	vda	\/images\/root.img	discard,direct	ROOT-1	100,101	201$/m);
  t.regex(text, /^disk	0	3	0	vdb	\/dev\/sdz	readonly,writethrough,qcow2		100	201$/m);
  t.deepEqual(parseVmmPlan(text).disks, [
    { bus: 0, slot: 2, function: 0, target: "vda", source: "/images/root.img", format: "raw", readonly: false, writethrough: false, ignoreFlush: false, discard: true, direct: true, serial: "ROOT-1", backing: [], backingEnds: false, hold: [100, 101], refuse: [201] },
    { bus: 0, slot: 3, function: 0, target: "vdb", source: "/dev/sdz", format: "qcow2", readonly: true, writethrough: true, ignoreFlush: false, discard: false, direct: false, serial: "", backing: [], backingEnds: false, hold: [100], refuse: [201] },
    { bus: 0, slot: 4, function: 0, target: "vdc", source: "/images/shared.img", format: "raw", readonly: false, writethrough: false, ignoreFlush: true, discard: false, direct: false, serial: "", backing: [], backingEnds: false, hold: [100, 101], refuse: [] },
  ]);
});

test("each virtio NIC is a plan line: its address, MAC, tap (a new one's template unless named), bridge, MTU, whether the tap exists and <driver name>", (t) => {
  const nics =
    "<interface type='bridge'><mac address='52:54:00:aa:bb:01'/><source bridge='br0'/><model type='virtio'/><mtu size='9000'/></interface>" +
    "<interface type='ethernet'><mac address='52:54:00:aa:bb:02'/><target dev='vnet3'/><model type='virtio'/></interface>" +
    "<interface type='ethernet'><mac address='52:54:00:aa:bb:03'/><target dev='guest-tap'/><model type='virtio'/></interface>" +
    "<interface type='ethernet'><mac address='52:54:00:aa:bb:04'/><target dev='mytap' managed='no'/><model type='virtio'/><driver name='vhost'/></interface>" +
    "<interface type='ethernet'><mac address='52:54:00:aa:bb:05'/><model type='virtio'/><driver name='qemu'/></interface>";
  const text = plan(domain(`${OS}<devices>${nics}</devices>`));
  t.regex(text, /^net	0	2	0	52:54:00:aa:bb:01	vnet%d	br0	9000	$/m);
  t.regex(text, /^net	0	5	0	52:54:00:aa:bb:04	mytap		0	existing,vhost$/m);
  t.deepEqual(parseVmmPlan(text).nics, [
    { bus: 0, slot: 2, function: 0, mac: "52:54:00:aa:bb:01", tap: "vnet%d", bridge: "br0", mtu: 9000, existing: false, vhost: "auto" },
    { bus: 0, slot: 3, function: 0, mac: "52:54:00:aa:bb:02", tap: "vnet%d", bridge: "", mtu: 0, existing: false, vhost: "auto" },
    { bus: 0, slot: 4, function: 0, mac: "52:54:00:aa:bb:03", tap: "guest-tap", bridge: "", mtu: 0, existing: false, vhost: "auto" },
    { bus: 0, slot: 5, function: 0, mac: "52:54:00:aa:bb:04", tap: "mytap", bridge: "", mtu: 0, existing: true, vhost: "on" },
    { bus: 0, slot: 6, function: 0, mac: "52:54:00:aa:bb:05", tap: "vnet%d", bridge: "", mtu: 0, existing: false, vhost: "off" },
  ]);
  // without a <mac>, one is made as libvirt makes it (52:54:00, then random bytes: zeros here)
  t.regex(plan(domain(`${OS}<devices><interface type='ethernet'><model type='virtio'/></interface></devices>`)), /^net	0	2	0	52:54:00:00:00:00	vnet%d		0	$/m);
});

test("a <backingStore> chain is planned layer by layer, ending where the XML ends it; what the VMM cannot open is refused by name", (t) => {
  const chain = (inner: string) =>
    domain(`${OS}<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/images/top.qcow2'/>${inner}<target dev='vda' bus='virtio'/></disk></devices>`);
  const text = plan(chain("<backingStore type='file'><format type='qcow2'/><source file='/images/mid.qcow2'/><backingStore type='block'><format type='raw'/><source dev='/dev/base'/><backingStore/></backingStore></backingStore>"));
  t.regex(text, /^disk\t[^\n]*\tvda\t\/images\/top.qcow2\t[^\n]*\nbacking\tqcow2\t\/images\/mid.qcow2\nbacking\traw\t\/dev\/base\nbacking-end$/m);
  t.like(parseVmmPlan(text).disks[0], { backing: [{ format: "qcow2", path: "/images/mid.qcow2" }, { format: "raw", path: "/dev/base" }], backingEnds: true });
  t.like(parseVmmPlan(plan(chain("<backingStore/>"))).disks[0], { backing: [], backingEnds: true });
  t.like(parseVmmPlan(plan(chain(""))).disks[0], { backing: [], backingEnds: false });
  const refusals: [string, string][] = [
    ["<backingStore type='network'><format type='raw'/><source protocol='nbd' name='x'/></backingStore>", "the KVM driver does not support <backingStore type='network'> yet (only 'file' and 'block')"],
    ["<backingStore type='file'><source file='/images/b'/></backingStore>", "the KVM driver needs <format type='raw'> or <format type='qcow2'> in every <backingStore>"],
    ["<backingStore type='file'><format type='raw'/></backingStore>", "the KVM driver needs a <source> in every <backingStore>"],
    ["<backingStore type='file'><format type='raw'/><source file='/images/b'/><backingStore type='file'><format type='raw'/><source file='/images/c'/></backingStore></backingStore>", "a raw <backingStore> has no backing store of its own"],
  ];
  for (const [inner, message] of refusals) t.throws(() => plan(chain(inner)), { message: `unsupported configuration: ${message}` }, inner);
});

test("a disk image that cannot be opened fails the start with libvirt's storage error, before any process", (t) => {
  const text = plan(domain(`${OS}<devices><disk type='file' device='disk'><source file='/nonexistent/root.img'/><target dev='vda' bus='virtio'/></disk></devices>`));
  const e = t.throws(() => checkDiskSources(text)) as VirtError;
  t.is(e.message, `Cannot access storage file '/nonexistent/root.img' (as uid:${process.getuid!()}, gid:${process.getgid!()}): No such file or directory`);
  t.like(e, { code: 38, domain: 18 }, "VIR_ERR_SYSTEM_ERROR from the storage domain");
  t.notThrows(() => checkDiskSources(plan(domain(`${OS}<devices><disk type='file' device='disk'><source file='${process.execPath}'/><target dev='vda' bus='virtio'/><readonly/></disk></devices>`))), "read-only: readable is enough");
});

test("a definition gets the machine's PCI root as libvirt adds it, and reads back unchanged", (t) => {
  const xml = domain(`<uuid>2a3b4c5d-6e7f-4081-9a2b-3c4d5e6f7081</uuid>${OS.replace("<type>", "<type machine='q35'>")}<devices><controller type='usb' model='none'/><console type='pty'/><memballoon model='none'/></devices>`).replace("<name>g1</name>", "<name>pciroot</name>");
  core.domainDefine(node, xml, 0);
  const ref = core.domainLookupByName(node, "pciroot");
  const stored = core.domainXML(node, ref, 0);
  t.regex(stored, /<controller type='usb' index='0' model='none'\/>\n {4}<controller type='pci' index='0' model='pcie-root'\/>/);
  t.notRegex(stored, /pcie-root-port/, "no endpoint, no root port");
  core.domainDefine(node, stored, 0);
  t.is(core.domainXML(node, core.domainLookupByName(node, "pciroot"), 0), stored);
  core.domainOp(node, ref, DomainOp.UNDEFINE, 0);
});

test("a definition without a <memballoon> gets libvirt's default virtio balloon, with its address; model='none' keeps none", (t) => {
  const xml = (devices: string) => domain(`<uuid>3a3b4c5d-6e7f-4081-9a2b-3c4d5e6f7081</uuid>${OS.replace("<type>", "<type machine='q35'>")}<devices>${devices}</devices>`).replace("<name>g1</name>", "<name>balloon</name>");
  core.domainDefine(node, xml("<controller type='usb' model='none'/>"), 0);
  const ref = core.domainLookupByName(node, "balloon");
  const stored = core.domainXML(node, ref, 0);
  t.regex(stored, /<memballoon model='virtio'>\n {6}<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'\/>\n {4}<\/memballoon>/);
  t.regex(stored, /<controller type='pci' index='1' model='pcie-root-port'>/, "a root port for it, as libvirt adds");
  core.domainDefine(node, stored, 0);
  t.is(core.domainXML(node, core.domainLookupByName(node, "balloon"), 0), stored, "reads back unchanged");
  core.domainDefine(node, xml("<controller type='usb' model='none'/><memballoon model='none'/>"), 0);
  t.regex(core.domainXML(node, ref, 0), /<memballoon model='none'\/>/);
  core.domainOp(node, ref, DomainOp.UNDEFINE, 0);
});

test("the plan names each PCI bridge the VMM builds: its bus, model and place", (t) => {
  const q35 = OS.replace("<type>", "<type machine='q35'>");
  const ports = "<controller type='pci' index='1' model='pcie-root-port'/><controller type='pci' index='2' model='pcie-root-port'/>";
  t.deepEqual(parseVmmPlan(plan(domain(`${q35}<devices>${ports}</devices>`))).pciBridges, [
    { index: 1, model: "pcie-root-port", parent: 0, slot: 1, function: 0 },
    { index: 2, model: "pcie-root-port", parent: 0, slot: 1, function: 1 },
  ]);
  const nested = "<controller type='pci' index='1' model='pci-bridge'/><controller type='pci' index='2' model='pci-bridge'><address type='pci' bus='0x01' slot='0x03'/></controller>";
  t.deepEqual(parseVmmPlan(plan(domain(`${OS}<devices>${nested}</devices>`))).pciBridges, [
    { index: 1, model: "pci-bridge", parent: 0, slot: 2, function: 0 },
    { index: 2, model: "pci-bridge", parent: 1, slot: 3, function: 0 },
  ]);
});

test("after the guest stops, the core restarts it or ends the domain with libvirt's reason", (t) => {
  const [DESTROYED, POWEROFF, RESET, CRASH] = [0, 1, 2, 3];
  const [REBOOT_ASKED, RESET_ASKED] = [1, 2];
  const [RESTART, PRESERVE] = [0, -1];
  const [SHUTDOWN, DESTROY, CRASHED] = [1, 2, 3];
  const cases: [number, number, [number, number, number], number, string][] = [
    [DESTROYED, 0, [1, 1, 1], DESTROY, "destroy ends it, whatever the actions say"],
    [POWEROFF, 0, [0, 1, 0], SHUTDOWN, "the guest's power-off, on_poweroff destroy"],
    [POWEROFF, 0, [1, 1, 0], RESTART, "on_poweroff restart"],
    [POWEROFF, REBOOT_ASKED, [0, 0, 0], RESTART, "virDomainReboot: the guest shut down, it boots again"],
    [RESET, 0, [0, 1, 0], RESTART, "the guest's reboot, on_reboot restart"],
    [RESET, 0, [0, 0, 0], SHUTDOWN, "on_reboot destroy"],
    [RESET, RESET_ASKED, [0, 0, 0], RESTART, "virDomainReset restarts whatever on_reboot says"],
    [CRASH, 0, [0, 1, 0], CRASHED, "a triple fault, on_crash destroy"],
    [CRASH, 0, [0, 1, 1], RESTART, "on_crash restart"],
    [CRASH, 0, [0, 1, 2], PRESERVE, "on_crash preserve: the crashed guest stays"],
    [DESTROYED, 0, [0, 1, 2], DESTROY, "destroy ends a crashed guest kept by on_crash preserve"],
  ];
  for (const [stop, asked, [onPoweroff, onReboot, onCrash], expected, what] of cases) t.is(core.vmmAfterStop(stop, asked, onPoweroff, onReboot, onCrash), expected, what);
});

test("a running guest's serial pty is in its live XML, as libvirt writes it", (t) => {
  const xml = domain(`<uuid>0e6a3e7c-5d1a-4f0e-9b55-7a1f3c2d4e01</uuid>${OS}<devices><serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console></devices>`).replace("<name>g1</name>", "<name>ptyguest</name>");
  t.like(parseVmmPlan(plan(xml)), { serial: { kind: "pty" } });
  const ref = core.hostedCommitCreate(node, xml, 4242);
  const path = "/dev/pts/7";
  core.hostedSetHostSide(node, ref, path, "");
  const live = core.domainXML(node, ref, 0);
  t.regex(live, /<serial type='pty'>\n {6}<source path='\/dev\/pts\/7'\/>\n {6}<target /);
  t.regex(live, /<console type='pty' tty='\/dev\/pts\/7'>\n {6}<source path='\/dev\/pts\/7'\/>\n {6}<target type='serial' port='0'\/>/);
  // a guest that stopped has no pty to name
  core.hostedCommitStopped(node, ref, 2, false);
  t.throws(() => core.hostedSetHostSide(node, ref, path, ""), { message: /no domain with matching uuid|domain is not running/ });
});

test("a running guest's taps are in its live XML's <target dev>, in <interface> order, with its pty in the same step", (t) => {
  const nic = (n: number) => `<interface type='bridge'><mac address='52:54:00:aa:bb:0${n}'/><source bridge='br0'/><model type='virtio'/></interface>`;
  const xml = domain(`<uuid>0e6a3e7c-5d1a-4f0e-9b55-7a1f3c2d4e02</uuid>${OS}<devices>${nic(1)}${nic(2)}<serial type='pty'/></devices>`).replace("<name>g1</name>", "<name>tapguest</name>");
  const ref = core.hostedCommitCreate(node, xml, 4343);
  core.hostedSetHostSide(node, ref, "/dev/pts/9", "vnet3\tvnet4");
  const live = core.domainXML(node, ref, 0);
  t.regex(live, /<mac address='52:54:00:aa:bb:01'\/>\n {6}<source bridge='br0'\/>\n {6}<target dev='vnet3'\/>/);
  t.regex(live, /<mac address='52:54:00:aa:bb:02'\/>\n {6}<source bridge='br0'\/>\n {6}<target dev='vnet4'\/>/);
  t.regex(live, /<source path='\/dev\/pts\/9'\/>/);
  core.hostedCommitStopped(node, ref, 2, false);
});

test("a guest kept crashed (on_crash preserve) is active and crashed: only destroy and the console act on it", (t) => {
  const xml = domain(`<uuid>7d0c1f2e-3a4b-4c5d-8e6f-708192a3b4c5</uuid>${OS}<on_crash>preserve</on_crash>`).replace("<name>g1</name>", "<name>kept</name>");
  const ref = core.hostedCommitCreate(node, xml, 5151);
  // another process finds its status file saying crashed (virDomainState 6, panicked)
  core.hostedRestoreRunning(node, core.domainXML(node, ref, 0), 5151, 6, 1);
  const info = core.domainInfo(node, ref);
  t.deepEqual([info.state, info.reason, info.id], [6, 1, 5151]);
  t.notThrows(() => core.hostedCheckActive(node, ref, false), "destroy and the console find it active");
  const refused = [() => core.hostedCheckActive(node, ref, true), () => core.hostedCheckPause(node, ref, true), () => core.hostedCheckPause(node, ref, false)];
  for (const [i, check] of refused.entries()) {
    t.throws(check, { message: "Requested operation is not valid: domain is not running" }, `check ${i}`);
  }
  core.hostedCommitStopped(node, ref, 2, false);
});

test("lifecycle actions the VMM cannot carry out are refused when the domain starts; a saved definition with one still loads", (t) => {
  const xml = domain(`<uuid>1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b</uuid>${OS}<on_reboot>preserve</on_reboot>`).replace("<name>g1</name>", "<name>saved</name>");
  t.notThrows(() => core.domainDefine(node, xml, 0));
  const ref = core.domainLookupByName(node, "saved");
  const e = t.throws(() => core.hostedPlanStart(node, ref));
  t.is(e?.message, "unsupported configuration: kvm driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'");
  core.domainOp(node, ref, DomainOp.UNDEFINE, 0);
});
