// Behaviours found by comparing virtkit with a real libvirt (differential testing), pinned here.
import test from "ava";
import { canonicalizeDomainXML, VirtError } from "../src/index.js";

const dom = (body: string, extra = "") =>
  `<domain type='kvm'${extra}><name>d</name><uuid>11111111-2222-3333-4444-555555555555</uuid><memory>1024</memory><os><type arch='x86_64'>hvm</type></os>${body}</domain>`;
const devices = (inner: string) => dom(`<devices>${inner}</devices>`);
const canon = (xml: string) => canonicalizeDomainXML(xml, { secure: true });

function error(xml: string): VirtError {
  try {
    canon(xml);
  } catch (e) {
    if (e instanceof VirtError) return e;
    throw e;
  }
  throw new Error("expected a VirtError");
}

for (const [what, xml, message] of [
  ["disk cache", devices("<disk type='file'><driver name='qemu' cache='bogus'/><source file='/a'/><target dev='vda'/></disk>"), "XML error: Invalid value for attribute 'cache' in element 'driver': 'bogus'."],
  ["disk format", devices("<disk type='file'><driver name='qemu' type='bogus'/><source file='/a'/><target dev='vda'/></disk>"), "unsupported configuration: unknown driver format value 'bogus'"],
  ["controller model", devices("<controller type='usb' model='nonesuch'/>"), "unsupported configuration: Unknown model type 'nonesuch'"],
  ["cpu mode", dom("<cpu mode='bogus'/>"), "unsupported configuration: Invalid mode attribute 'bogus'"],
  ["link state", devices("<interface type='user'><link state='sideways'/></interface>"), "unsupported configuration: unknown interface link state 'sideways'"],
  ["spice image compression", devices("<graphics type='spice'><image compression='zip'/></graphics>"), "XML error: Invalid value for attribute 'compression' in element 'image': 'zip'."],
  ["duplicate disk target", devices("<disk type='file'><source file='/a.img'/><target dev='vda'/></disk><disk type='file'><source file='/b.img'/><target dev='vda'/></disk>"), "XML error: target 'vda' duplicated for disk sources '/a.img' and '/b.img'"],
  ["duplicate boot order", devices("<disk type='file'><source file='/a'/><target dev='vda'/><boot order='1'/></disk><interface type='user'><boot order='1'/></interface>"), "unsupported configuration: boot order '1' used for more than one device"],
  ["two primary videos", devices("<video><model type='vga' primary='yes'/></video><video><model type='qxl' primary='yes'/></video>"), "unsupported configuration: Only one primary video device is supported"],
  ["huge controller index", devices("<controller type='usb' index='4294967296'/>"), "XML error: Invalid value for attribute 'index' in element 'controller': '4294967296'. Expected integer value"],
  ["duplicated singleton", dom("<memtune><hard_limit>1</hard_limit><hard_limit>2</hard_limit></memtune>"), "XML error: element 'hard_limit' can only appear once"],
] as const) {
  test(`rejects ${what} as libvirt does`, (t) => {
    t.is(error(xml).message, message);
  });
}

test("resctrl collisions carry libvirt's resctrl error domain", (t) => {
  const e = error(dom("<vcpu>2</vcpu><cputune><cachetune vcpus='0'><cache id='0' level='3' type='code' size='12' unit='KiB'/><cache id='0' level='3' type='code' size='18' unit='KiB'/></cachetune></cputune>"));
  t.is(e.domain, 67);
  t.is(e.message, "XML error: Colliding cache allocations for cache level '3' id '0', type 'code'");
});

test("a CPU model implies custom mode, exact match and allowed fallback; topology gets dies and clusters", (t) => {
  const out = canon(dom("<cpu><model>qemu64</model><topology sockets='2' cores='2' threads='2'/></cpu>"));
  t.true(out.includes("<cpu mode='custom' match='exact'>\n    <model fallback='allow'>qemu64</model>\n    <topology sockets='2' dies='1' clusters='1' cores='2' threads='2'/>\n  </cpu>"));
});

test("an individual vCPU list names every vCPU, unlisted ones offline", (t) => {
  const out = canon(dom("<vcpu current='2'>4</vcpu><vcpus><vcpu id='1' enabled='yes'/><vcpu id='0' enabled='yes'/></vcpus>"));
  t.true(out.includes("<vcpu placement='static' current='2'>4</vcpu>"));
  t.true(out.includes("<vcpu id='0' enabled='yes' hotpluggable='no'/>\n    <vcpu id='1' enabled='yes' hotpluggable='no'/>\n    <vcpu id='2' enabled='no' hotpluggable='yes'/>\n    <vcpu id='3' enabled='no' hotpluggable='yes'/>"));
});

test("automatic vCPU placement implies automatic memory placement", (t) => {
  t.true(canon(dom("<vcpu placement='auto'>2</vcpu>")).includes("<numatune>\n    <memory mode='strict' placement='auto'/>\n  </numatune>"));
});

test("graphics without video get a default video; the primary video goes first", (t) => {
  t.true(canon(devices("<graphics type='vnc'/>")).includes("<video>\n      <model type='cirrus' vram='16384' heads='1' primary='yes'/>\n    </video>"));
  const out = canon(devices("<video><model type='vga'/></video><video><model type='qxl' primary='yes'/></video>"));
  t.true(out.indexOf("type='qxl'") < out.indexOf("type='vga'"));
  t.is(out.split("primary='yes'").length, 2);
});

test("disks are ordered per bus by target name, as libvirt inserts them", (t) => {
  const out = canon(devices(["vdc", "vda", "hdb", "hda"].map((dev) => `<disk type='file'><source file='/${dev}'/><target dev='${dev}'/></disk>`).join("")));
  const order = [...out.matchAll(/<target dev='(\w+)'/g)].map((m) => m[1]);
  t.deepEqual(order, ["vda", "vdc", "hda", "hdb"]);
});

test("partial drive addresses are completed and imply their controller", (t) => {
  const out = canon(devices("<disk type='file'><source file='/a'/><target dev='hdb'/><address type='drive' unit='1'/></disk>"));
  t.true(out.includes("<address type='drive' controller='0' bus='0' target='0' unit='1'/>"));
  t.true(out.includes("<controller type='ide' index='0'/>"));
});

test("a drive controller index beyond the implied controllers' range is refused, not looped on", (t) => {
  for (const address of ["<address type='drive' controller='2147483647' unit='0'/>", "<address type='drive' controller='1024'/>"]) {
    const e = error(devices(`<disk type='file'><source file='/a'/><target dev='sda' bus='scsi'/>${address}</disk>`));
    t.is(e.code, 67);
    t.regex(e.message, /^unsupported configuration: drive address controller '\d+' is out of range \(at most 1023\)$/);
  }
  t.true(canon(devices("<disk type='file'><source file='/a'/><target dev='sda' bus='scsi'/><address type='drive' controller='3'/></disk>")).includes("<controller type='scsi' index='3'/>"));
});

test("indentation-only content of known elements is dropped", (t) => {
  const out = canon(dom("<features>\n  <acpi>\n  </acpi>\n</features>"));
  t.true(out.includes("<features>\n    <acpi/>\n  </features>"));
});

test("VNC listening nowhere has no port", (t) => {
  t.true(canon(devices("<graphics type='vnc'><listen type='none'/></graphics>")).includes("<graphics type='vnc'>\n      <listen type='none'/>"));
});

test("inactive definitions drop runtime-only backing indexes and port ids", (t) => {
  const xml = devices("<disk type='file'><source file='/a' index='3'/><target dev='vda'/></disk><interface type='network'><source network='default' portid='a8b2a5e3-0a39-4a45-9a49-2b2b6e33a1d9'/></interface>");
  const out = canonicalizeDomainXML(xml, { inactive: true });
  t.false(out.includes("index="));
  t.false(out.includes("portid="));
});

test("memory dumpCore comes before unit", (t) => {
  t.true(canon(dom("").replace("<memory>1024</memory>", "<memory unit='MiB' dumpCore='off'>1</memory>")).includes("<memory dumpCore='off' unit='KiB'>1024</memory>"));
});

test("blkiotune: numbers canonical, unset values and empty devices not written, paths distinct", (t) => {
  const out = canon(dom("<blkiotune><weight>0800</weight><device><path>/dev/sda</path><weight>0</weight><read_bytes_sec>+10</read_bytes_sec></device><device><path>/dev/sdb</path><weight>0</weight></device></blkiotune>"));
  t.true(out.includes("<blkiotune>\n    <weight>800</weight>\n    <device>\n      <path>/dev/sda</path>\n      <read_bytes_sec>10</read_bytes_sec>\n    </device>\n  </blkiotune>"));
  t.is(error(dom("<blkiotune><device><path>/a</path><weight>1</weight></device><device><path>/a</path><weight>2</weight></device></blkiotune>")).message, "unsupported configuration: duplicate blkio device path '/a'");
  t.is(error(dom("<blkiotune><device><weight>1</weight></device></blkiotune>")).message, "unsupported configuration: missing per-device path");
});

test("idmap maps both uids and gids, starting with the container's root", (t) => {
  const lxc = (idmap: string) => `<domain type='lxc'><name>c</name><memory>1024</memory><os><type>exe</type><init>/bin/sh</init></os>${idmap}</domain>`;
  t.is(error(lxc("<idmap><uid start='0' target='1000' count='10'/></idmap>")).message, "unsupported configuration: uid and gid should be mapped both");
  t.is(error(lxc("<idmap><uid start='1' target='1000' count='10'/><gid start='0' target='1000' count='10'/></idmap>")).message, "unsupported configuration: You must map the root user of container");
  t.notThrows(() => canon(lxc("<idmap><uid start='0' target='1000' count='10'/><gid start='0' target='1000' count='10'/></idmap>")));
});

test("HTTP cookies are credentials: hidden without the secure flag", (t) => {
  const xml = devices("<disk type='network'><source protocol='https' name='a.img'><host name='h'/><cookies><cookie name='c'>secret</cookie></cookies></source><target dev='vda'/></disk>");
  t.false(canonicalizeDomainXML(xml).includes("secret"));
  t.true(canonicalizeDomainXML(xml, { secure: true }).includes("<cookie name='c'>secret</cookie>"));
});

test("inactive XML keeps only user aliases", (t) => {
  const xml = devices("<disk type='file'><source file='/a'/><target dev='vda'/><alias name='virtio-disk0'/></disk><disk type='file'><source file='/b'/><target dev='vdb'/><alias name='ua-data'/></disk>");
  const out = canonicalizeDomainXML(xml, { inactive: true });
  t.false(out.includes("virtio-disk0"));
  t.true(out.includes("<alias name='ua-data'/>"));
});
