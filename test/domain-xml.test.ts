// The public domain XML API: canonicalizeDomainXML, parseDomainXML and VirtError.
import test from "ava";
import { readFileSync } from "node:fs";
import { canonicalizeDomainXML, parseDomainXML, VirtError, ErrorNumber, ErrorDomain } from "../src/index.js";
import { fixturePath } from "./support/fixtures.js";

const golden = (name: string) => readFileSync(fixturePath("virsh-golden", name), "utf8");
const input = (name: string) => golden(`inputs/${name}`);

/** The libvirt error message a virsh golden file shows (the line after "error: Failed to ..."). */
function goldenError(file: string): string {
  const stderr = golden(file).split("--- stderr ---\n")[1].split("--- exit")[0];
  return stderr.split("\n").slice(1).join("\n").replace(/^error: /, "").replace(/\n$/, "");
}

function fails(t: import("ava").ExecutionContext, xml: string): VirtError {
  return t.throws(() => canonicalizeDomainXML(xml), { instanceOf: VirtError }) as VirtError;
}

test("canonical form of a minimal domain adds libvirt's defaults", (t) => {
  const out = canonicalizeDomainXML(input("small-fixed.xml"));
  // the define-then-dumpxml golden shows exactly this document (test driver, so compare the body)
  const dumped = golden("flow-dumpxml-defined.txt").split("\n").slice(3).join("\n").split("\n--- stderr")[0];
  t.is(out, dumped.replace(/\n+$/, "\n"));
});

test("a missing uuid is generated (version 4, canonical form)", (t) => {
  const out = canonicalizeDomainXML(input("small.xml"));
  t.regex(out, /<uuid>[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}<\/uuid>/);
});

for (const [file, golden, code, domain] of [
  ["bad-memory.xml", "err-define-bad-memory.txt", ErrorNumber.VIR_ERR_XML_ERROR, ErrorDomain.VIR_FROM_XML],
  ["bad-memunit.xml", "err-define-bad-memunit.txt", ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_NONE],
  ["bad-type.xml", "err-define-badtype.txt", ErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED, ErrorDomain.VIR_FROM_DOMAIN],
  ["bad-malformed.xml", "err-define-malformed.txt", ErrorNumber.VIR_ERR_XML_DETAIL, ErrorDomain.VIR_FROM_DOMAIN],
  ["empty.xml", "err-define-empty.txt", ErrorNumber.VIR_ERR_XML_DETAIL, ErrorDomain.VIR_FROM_DOMAIN],
  ["q-graphics-none.xml", "qemu-define-graphics-none.txt", ErrorNumber.VIR_ERR_XML_ERROR, ErrorDomain.VIR_FROM_XML],
] as const) {
  test(`${file} fails with virsh's message`, (t) => {
    const e = fails(t, input(file));
    t.is(e.message, goldenError(golden));
    t.is(e.code, code);
    t.is(e.domain, domain);
  });
}

for (const [what, xml, message] of [
  ["missing name", "<domain type='kvm'><memory>1024</memory><os><type>hvm</type></os></domain>", "missing name information"],
  ["wrong root", "<network><name>n</name></network>", "XML error: expecting root element of 'domain', not 'network'"],
  ["missing type", "<domain><name>a</name></domain>", "internal error: missing domain type attribute"],
  ["bad uuid", "<domain type='kvm'><name>a</name><uuid>zz</uuid></domain>", "internal error: malformed uuid element"],
  ["no os type", "<domain type='kvm'><name>a</name><memory>1</memory></domain>", "XML error: an os <type> must be specified"],
  ["no memory", "<domain type='kvm'><name>a</name><os><type>hvm</type></os></domain>", "XML error: Memory size must be specified via <memory> or in the <numa> configuration"],
  ["memory overflow", "<domain type='kvm'><name>a</name><memory unit='EiB'>100</memory><os><type>hvm</type></os></domain>", "numerical overflow: value too large: 100EiB"],
  ["absurd number", "<domain type='kvm'><name>a</name><memory>99999999999999999999999</memory><os><type>hvm</type></os></domain>", "XML error: Invalid value '99999999999999999999999' for element or attribute './memory[1]'"],
  ["current above max vcpus", "<domain type='kvm'><name>a</name><memory>1024</memory><vcpu current='4'>2</vcpu><os><type>hvm</type></os></domain>", "unsupported configuration: maximum vCPU count must not be less than current vCPU count"],
  ["bad lifecycle action", "<domain type='kvm'><name>a</name><memory>1024</memory><os><type>hvm</type></os><on_reboot>explode</on_reboot></domain>", "unsupported configuration: unknown on_reboot action: explode"],
  ["bad clock offset", "<domain type='kvm'><name>a</name><memory>1024</memory><os><type>hvm</type></os><clock offset='mars'/></domain>", "unsupported configuration: unknown clock offset 'mars'"],
  ["cputune period out of range", "<domain type='kvm'><name>a</name><memory>1024</memory><cputune><period>10</period></cputune><os><type>hvm</type></os></domain>", "unsupported configuration: Value of cputune 'period' must be in range [1000, 1000000]"],
  ["unknown feature", "<domain type='kvm'><name>a</name><memory>1024</memory><os><type>hvm</type></os><features><warp/></features></domain>", "unsupported configuration: unexpected feature 'warp'"],
  ["unknown capability", "<domain type='lxc'><name>a</name><memory>1024</memory><os><type>exe</type></os><features><capabilities policy='deny'><warp state='on'/></capabilities></features></domain>", "unsupported configuration: unexpected capability feature 'warp'"],
  ["disk without target", "<domain type='kvm'><name>a</name><memory>1024</memory><os><type>hvm</type></os><devices><disk><source file='/x.img'/></disk></devices></domain>", "missing target information for device /x.img"],
  ["bad mac", "<domain type='kvm'><name>a</name><memory>1024</memory><os><type>hvm</type></os><devices><interface type='user'><mac address='zz'/></interface></devices></domain>", "XML error: unable to parse mac address 'zz'"],
  ["tcp chardev without host", "<domain type='kvm'><name>a</name><memory>1024</memory><os><type>hvm</type></os><devices><serial type='tcp'><source service='1'/></serial></devices></domain>", "internal error: Missing source host attribute for char device"],
] as const) {
  test(`rejects ${what} with libvirt's error`, (t) => {
    t.is(fails(t, xml).message, message);
  });
}

test("memory units are normalised to KiB, rounding bytes up", (t) => {
  const out = canonicalizeDomainXML(
    "<domain type='kvm'><name>a</name><memory unit='GiB'>2</memory><currentMemory unit='b'>1025</currentMemory><os><type>hvm</type></os></domain>",
  );
  t.true(out.includes("<memory unit='KiB'>2097152</memory>"));
  t.true(out.includes("<currentMemory unit='KiB'>2</currentMemory>"));
});

test("attributes and children come out in libvirt's order", (t) => {
  const out = canonicalizeDomainXML(
    "<domain type='kvm'><devices><disk device='disk' type='file'><target bus='virtio' dev='vda'/><source file='/a'/></disk></devices><os><type>hvm</type></os><memory>1024</memory><name>a</name></domain>",
  );
  t.true(out.startsWith("<domain type='kvm'>\n  <name>a</name>\n  <uuid>"));
  t.true(out.includes("    <disk type='file' device='disk'>\n      <source file='/a'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n"));
});

test("<capabilities> children come out in libvirt's order, a missing state as on, each named once", (t) => {
  const doc = (caps: string) => `<domain type='lxc'><name>c</name><memory>1024</memory><os><type>exe</type></os><features><capabilities>${caps}</capabilities></features></domain>`;
  t.regex(canonicalizeDomainXML(doc("<sys_admin/><mknod state='off'/>")), /<capabilities policy='default'>\s*<mknod state='off'\/>\s*<sys_admin state='on'\/>\s*<\/capabilities>/);
  fails(t, doc("<mknod state='on'/><mknod state='off'/>"));
  fails(t, doc("<mknod state='yes'/>"));
});

test("nothing unknown is lost: unknown elements and attributes keep their place", (t) => {
  const out = canonicalizeDomainXML(
    "<domain type='kvm' vendor:x='1' xmlns:vendor='urn:v'><name>a</name><vendor:note>keep me</vendor:note><memory>1024</memory><os><type hvm-extra='y'>hvm</type></os><devices><disk type='file' device='disk' weird='1'><source file='/a'/><target dev='vda'/><futuristic level='9'><deep/></futuristic></disk></devices></domain>",
  );
  t.true(out.includes("<domain type='kvm' vendor:x='1' xmlns:vendor='urn:v'>"));
  t.true(out.includes("  <name>a</name>\n  <vendor:note>keep me</vendor:note>\n"));
  // hvm-extra preceded every known attribute, so it stays first
  t.true(out.includes("<type hvm-extra='y' arch='x86_64'>hvm</type>"));
  t.true(out.includes("<disk type='file' device='disk' weird='1'>"));
  t.true(out.includes("      <target dev='vda' bus='virtio'/>\n      <futuristic level='9'>\n        <deep/>\n      </futuristic>\n"));
});

test("canonical output is a fixed point", (t) => {
  const once = canonicalizeDomainXML(input("small.xml"));
  t.is(canonicalizeDomainXML(once), once);
});

test("inactive drops the live id; secure controls graphics passwords", (t) => {
  const xml =
    "<domain type='kvm' id='7'><name>a</name><uuid>11111111-2222-3333-4444-555555555555</uuid><memory>1024</memory><os><type>hvm</type></os><devices><graphics type='vnc' port='5901' autoport='no' passwd='s3cret'/></devices></domain>";
  const live = canonicalizeDomainXML(xml);
  t.true(live.startsWith("<domain type='kvm' id='7'>"));
  t.false(live.includes("passwd"));
  t.true(canonicalizeDomainXML(xml, { secure: true }).includes("passwd='s3cret'"));
  t.true(canonicalizeDomainXML(xml, { inactive: true }).startsWith("<domain type='kvm'>\n"));
});

test("parseDomainXML returns a typed plain object", (t) => {
  const def = parseDomainXML(input("small-fixed.xml").replace("<vcpu>1</vcpu>", "<vcpu current='1'>4</vcpu>"));
  t.is(def.type, "test");
  t.is(def.name, "small");
  t.is(def.uuid, "11111111-2222-3333-4444-555555555555");
  t.is(def.memory, 131072);
  t.is(def.currentMemory, 131072);
  t.deepEqual(def.vcpu, { max: 4, current: 1, placement: "static" });
  t.deepEqual(def.os, { type: { arch: "x86_64", value: "hvm" }, boot: [{ dev: "hd" }] });
  t.deepEqual(def.devices, {});
  t.is(def.on_crash, "destroy");
});

test("parseDomainXML lists devices as arrays by kind", (t) => {
  const def = parseDomainXML(
    "<domain type='kvm'><name>a</name><memory>1024</memory><os><type>hvm</type></os><devices><emulator>/usr/bin/qemu</emulator><disk type='file' device='disk'><source file='/a.img'/><target dev='vda' bus='virtio'/></disk><interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface></devices></domain>",
  );
  t.is(def.devices.emulator, "/usr/bin/qemu");
  t.is(def.devices.disk?.length, 1);
  t.deepEqual(def.devices.disk?.[0].target, { dev: "vda", bus: "virtio" });
  t.is(def.devices.interface?.[0].mac.address, "52:54:00:00:00:01");
  t.is(def.devices.interface?.[0].source?.network, "default");
});

test("metadata is kept and written as libxml2 writes it (namespace declarations first)", (t) => {
  const out = canonicalizeDomainXML(
    `<domain type='kvm'><name>m</name><metadata><app:info level="1" xmlns:app="urn:app"><app:note>a &lt; b</app:note></app:info></metadata><memory>1</memory><os><type>hvm</type></os></domain>`,
  );
  t.true(out.includes('  <metadata>\n    <app:info xmlns:app="urn:app" level="1">\n      <app:note>a &lt; b</app:note>\n    </app:info>\n  </metadata>\n'));
});
