// The core's ACPI tables as a guest finds them: from the RSDP through the XSDT to each table, every
// checksum right; the MCFG naming the ECAM area (reserved in e820, as Linux requires before it uses
// it); the DSDT's PCI host bridge, checked by ACPICA's own disassembler where it is installed.
import test from "ava";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { bootRecords } from "../../src/vmm/machine.js";
import { exitLoopImage } from "../kvm/guest.js";
import { tempDir } from "../support/temp.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const RSDP = 0xe0000;

/** The BIOS area the boot records write (the ACPI record), as guest memory from 0xe0000 would hold it. */
function biosArea(vcpus = 2): DataView {
  const kernel = exitLoopImage(1);
  const v = bootRecords(core, kernel, kernel.length, 0, "console=ttyS0", 64 << 20, vcpus);
  // records (machine.ts): WRITE address len bytes · KERNEL offset address · INITRD address · REGS · SREGS
  const recordBytes = [0, -1, 12, 8, 144, 312];
  for (let at = 0; at < v.byteLength; ) {
    const kind = v.getUint32(at, true);
    if (kind !== 1) {
      at += 4 + recordBytes[kind];
      continue;
    }
    const address = Number(v.getBigUint64(at + 4, true));
    const len = v.getUint32(at + 12, true);
    if (address === RSDP) return new DataView(v.buffer.slice(v.byteOffset + at + 16, v.byteOffset + at + 16 + len));
    at += 16 + len;
  }
  throw new Error("no ACPI area in the boot records");
}

function sum(area: DataView, at: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += area.getUint8(at + i);
  return s & 0xff;
}

function signature(area: DataView, at: number): string {
  return Buffer.from(area.buffer, area.byteOffset + at, 4).toString("latin1");
}

/** Each table the XSDT lists: signature → offset in the area (the FADT's DSDT too). */
function tables(area: DataView): Map<string, number> {
  const xsdt = Number(area.getBigUint64(24, true)) - RSDP;
  const found = new Map<string, number>();
  for (let e = xsdt + 36; e < xsdt + area.getUint32(xsdt + 4, true); e += 8) {
    const at = Number(area.getBigUint64(e, true)) - RSDP;
    found.set(signature(area, at), at);
  }
  const fadt = found.get("FACP")!;
  found.set("DSDT", Number(area.getBigUint64(fadt + 140, true)) - RSDP);
  return found;
}

test("every table the XSDT lists is there, within the area, with a right checksum", (t) => {
  const area = biosArea();
  t.is(sum(area, 0, 20), 0, "RSDP's first checksum");
  t.is(sum(area, 0, 36), 0, "RSDP's extended checksum");
  const found = tables(area);
  t.deepEqual([...found.keys()].sort(), ["APIC", "DSDT", "FACP", "MCFG"]);
  for (const [name, at] of found) {
    const len = area.getUint32(at + 4, true);
    t.true(at + len <= area.byteLength, `${name} fits`);
    t.is(sum(area, at, len), 0, `${name} checksum`);
  }
});

test("the MCFG names ECAM for segment 0, buses 0–255, and e820 reserves it", (t) => {
  const area = biosArea();
  const mcfg = tables(area).get("MCFG")!;
  t.is(area.getUint32(mcfg + 4, true), 60);
  t.is(area.getBigUint64(mcfg + 44, true), 0xe000_0000n);
  t.deepEqual([area.getUint16(mcfg + 52, true), area.getUint8(mcfg + 54), area.getUint8(mcfg + 55)], [0, 0, 255]);
});

const iasl = spawnSync("iasl", ["-v"], { encoding: "utf8" }).status === 0;
const withIasl = iasl ? test : test.skip;
if (!iasl) test("ACPICA's disassembler (iasl, Debian's acpica-tools) is not installed: the DSDT is checked by bytes only", (t) => t.pass());

withIasl("iasl reads the DSDT back: \\_S5, PCI0 (PNP0A03) with its resources and routing, the ECAM reservation", (t) => {
  const area = biosArea();
  const dsdt = tables(area).get("DSDT")!;
  const dir = tempDir("virtkit-acpi");
  const file = join(dir, "dsdt.dat");
  writeFileSync(file, new Uint8Array(area.buffer, area.byteOffset + dsdt, area.getUint32(dsdt + 4, true)));
  const r = spawnSync("iasl", ["-d", file], { encoding: "utf8", cwd: dir });
  t.is(r.status, 0, r.stdout + r.stderr);
  // the disassembly without its comments (each value is annotated with its field's name)
  const asl = readFileSync(join(dir, "dsdt.dsl"), "utf8").replace(/\/\*[^]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
  t.regex(asl, /Name \(_S5, Package \(0x04\)\s*\{\s*0x05,\s*0x05,\s*Zero,\s*Zero\s*\}\)/);
  t.regex(asl, /Device \(PCI0\)[^]*Name \(_HID, EisaId \("PNP0A03"\)/);
  t.regex(asl, /WordBusNumber \(ResourceProducer, MinFixed, MaxFixed, PosDecode,\s*0x0000,\s*0x0000,\s*0x00FF,/);
  t.regex(asl, /IO \(Decode16,\s*0x0CF8,\s*0x0CF8,\s*0x01,\s*0x08,/);
  t.regex(asl, /DWordMemory \(ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,\s*0x00000000,\s*0xC0000000,\s*0xDFFFFFFF,/);
  t.regex(asl, /Package \(0x04\)\s*\{\s*0x0001FFFF,\s*0x02,\s*Zero,\s*0x13\s*\}/, "slot 1 INTC on GSI 16 + (1 + 2) % 8");
  t.is((asl.match(/Package \(0x04\)/g) ?? []).length, 1 + 128, "\\_S5 and 32 slots × 4 pins");
  t.regex(asl, /Device \(MRES\)[^]*EisaId \("PNP0C02"\)[^]*Memory32Fixed \(ReadWrite,\s*0xE0000000,\s*0x10000000,/);
});
