// PCI addresses as libvirt's qemu driver assigns them, checked against libvirt's own outputs: each
// qemuxmlconfdata x86_64 fixture, with the addresses libvirt chose (and the PCI controllers it
// added) taken out, must come back exactly as libvirt wrote it. Addresses the input file gave stay.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { corpusCases, corpusFile } from "../corpus/corpus.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const PCI_ADDRESS = /\n *<address type='pci'[^>]*\/>/g;
const ADDED_PCI_CONTROLLER = /\n *<controller type='pci' index='[1-9][0-9]*'[^]*?<\/controller>/g;

/** bus:slot.function of an <address type='pci' .../> (missing fields are 0). */
function addressKey(element: string): string {
  const field = (name: string) => Number(new RegExp(`${name}='([^']*)'`).exec(element)?.[1] ?? "0");
  return `${field("bus")}:${field("slot")}.${field("function")}`;
}

/** libvirt's output without what libvirt's assignment added to the input. */
function withoutAssignedAddresses(input: string, expected: string): string {
  const given = new Set([...input.matchAll(/<address type='pci'[^>]*\/>/g)].map((m) => addressKey(m[0])));
  const stripped = expected.replace(PCI_ADDRESS, (m) => (given.has(addressKey(m)) ? m : ""));
  const controllersGiven = /<controller type='pci' index='[1-9]/.test(input);
  return controllersGiven ? stripped : stripped.replace(ADDED_PCI_CONTROLLER, "");
}

const x86Cases = corpusCases("qemuxmlconf").filter((c) => c.expectedOutput?.endsWith(".x86_64-latest.xml"));

test("the corpus has pc and q35 fixtures to compare with", (t) => {
  t.true(x86Cases.length >= 70, `${x86Cases.length} fixtures`);
  t.true(x86Cases.some((c) => /machine='q35'/.test(corpusFile(c.expectedOutput!)) && /pcie-root-port/.test(corpusFile(c.expectedOutput!))));
});

for (const c of x86Cases) {
  test(`qemuxmlconf ${c.test}: PCI addresses as libvirt assigns them`, (t) => {
    const expected = corpusFile(c.expectedOutput!);
    t.is(core.kvmDefinitionAddresses(withoutAssignedAddresses(corpusFile(c.input), expected), 1), expected);
  });
}

function domain(machine: string, devices: string): string {
  return `<domain type='kvm'><name>p</name><memory>262144</memory><os><type arch='x86_64' machine='${machine}'>hvm</type></os><devices>${devices}</devices></domain>`;
}
const DISK = (dev: string) => `<disk type='file' device='disk'><source file='/i/${dev}.img'/><target dev='${dev}' bus='virtio'/></disk>`;

function addresses(xml: string): string[] {
  return [...xml.matchAll(/<address type='pci'[^>]*\/>/g)].map((m) => addressKey(m[0]));
}

test("pc: devices fill bus 0 from slot 2 (slot 1 is the PIIX3); a full bus gets a pci-bridge, which takes the first free slot", (t) => {
  const few = core.kvmDefinitionAddresses(domain("pc", DISK("vda") + DISK("vdb")), 0);
  t.deepEqual(addresses(few), ["0:2.0", "0:3.0"]);
  t.regex(few, /<controller type='pci' index='0' model='pci-root'\/>/);
  const disks = Array.from({ length: 31 }, (_, i) => DISK(`vd${String.fromCharCode(97 + (i % 26))}${i >= 26 ? "a" : ""}`)).join("");
  const many = core.kvmDefinitionAddresses(domain("pc", disks), 0);
  t.regex(many, /<controller type='pci' index='1' model='pci-bridge'>\n\s*<model name='pci-bridge'\/>\n\s*<target chassisNr='1'\/>\n\s*<address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'\/>/);
  const placed = addresses(many);
  t.is(new Set(placed).size, placed.length, "no address twice");
  t.true(placed.includes("1:1.0"), "the last disks sit behind the bridge");
});

test("q35: a root port per endpoint, one spare, packed as functions of slot 1 (multifunction on function 0)", (t) => {
  const xml = core.kvmDefinitionAddresses(domain("q35", DISK("vda") + "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"), 0);
  t.regex(xml, /<controller type='pci' index='0' model='pcie-root'\/>/);
  t.regex(xml, /<controller type='pci' index='3' model='pcie-root-port'>\n\s*<model name='pcie-root-port'\/>\n\s*<target chassis='3' port='0xa'\/>\n\s*<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'\/>/);
  t.regex(xml, /slot='0x01' function='0x0' multifunction='on'/);
  t.deepEqual(addresses(xml), ["1:0.0", "0:1.0", "0:1.1", "0:1.2", "2:0.0"], "disk, the three ports, rng");
  t.is((xml.match(/pcie-root-port'>/g) ?? []).length, 3, "two endpoints, one spare");
  // the result is a fixed point: assigning again changes nothing
  t.is(core.kvmDefinitionAddresses(xml, 0), xml);
});

test("addresses the user gave are kept and checked as libvirt checks them", (t) => {
  const at = (slot: string, bus = "0x00") => `<address type='pci' domain='0x0000' bus='${bus}' slot='${slot}' function='0x0'/>`;
  const given = DISK("vda").replace("</disk>", `${at("0x02")}</disk>`) + DISK("vdb");
  t.deepEqual(addresses(core.kvmDefinitionAddresses(domain("pc", given), 0)), ["0:2.0", "0:3.0"]);
  const twice = DISK("vda").replace("</disk>", `${at("0x05")}</disk>`) + DISK("vdb").replace("</disk>", `${at("0x05")}</disk>`);
  t.throws(() => core.kvmDefinitionAddresses(domain("pc", twice), 0), { message: "XML error: Attempted double use of PCI Address 0000:00:05.0" });
  const noBus = DISK("vda").replace("</disk>", `${at("0x00", "0x03")}</disk>`);
  t.throws(() => core.kvmDefinitionAddresses(domain("pc", noBus), 0), { message: "XML error: Invalid PCI address 0000:03:00.0. Only PCI buses up to 0 are available" });
  const wrongRoot = "<controller type='pci' index='0' model='pci-root'/>";
  t.throws(() => core.kvmDefinitionAddresses(domain("q35", wrongRoot), 0), {
    message: "unsupported configuration: The PCI controller with index='0' must be model='pcie-root' for this machine type, but model='pci-root' was found instead",
  });
  // and the core keeps working
  t.deepEqual(addresses(core.kvmDefinitionAddresses(domain("pc", DISK("vda")), 0)), ["0:2.0"]);
});
