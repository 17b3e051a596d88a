// Booting a Linux bzImage the 64-bit way (the kernel's x86 boot protocol): the VMM lays out
// guest memory, fills the zero page (struct boot_params) from the image's setup header, builds
// identity page tables and a GDT, and starts the vCPU in long mode at the protected-mode
// kernel's 64-bit entry (load address + 0x200) with RSI pointing at the zero page.
//
// The result is a list of records the host applies literally (little-endian):
//   1 WRITE   [u64 guest address][u32 length][bytes]       bytes into guest memory
//   2 KERNEL  [u32 file offset][u64 guest address]         the image from that offset on
//   3 INITRD  [u64 guest address]                          the whole initrd file
//   4 REGS    [144 bytes]                                  struct kvm_regs
//   5 SREGS   [312 bytes]                                  struct kvm_sregs
// each record preceded by its kind as a u32.
import { Code } from "../errors";
import { err } from "../domain/context";
import { ByteBuf } from "../util/bytes";
import { ACPI_AREA_SIZE, MAX_VCPUS, RSDP_ADDR, writeAcpiTables } from "./acpi";
import { ECAM_BASE, ECAM_SIZE } from "./pci/config-access";

// Guest physical layout (all below 1 MiB except the kernel and the initrd).
export const GDT_ADDR: u64 = 0x500;
export const ZERO_PAGE: u64 = 0x7000;
export const PML4: u64 = 0x9000;
export const PDPT: u64 = 0xa000;
export const PD: u64 = 0xb000; // four page directories: 0xb000-0xefff map the first 4 GiB
export const BOOT_STACK: u64 = 0x8ff0;
export const CMDLINE: u64 = 0x20000;
export const CMDLINE_MAX: i32 = 4096;
export const KERNEL_ADDR: u64 = 0x100000;
export const EBDA_START: u64 = 0x9fc00;
export const BIOS_START: u64 = 0xe0000;
const MiB: u64 = 0x100000;

const RECORD_WRITE = 1;
const RECORD_KERNEL = 2;
const RECORD_INITRD = 3;
const RECORD_REGS = 4;
const RECORD_SREGS = 5;

const E820_RAM: u32 = 1;
const E820_RESERVED: u32 = 2;

/** What the host knows of the image and the domain; the header is the image's first bytes. */
export class BootRequest {
  header: ByteBuf = new ByteBuf(0);
  headerLen: i32 = 0;
  kernelSize: u64 = 0;
  initrdSize: u64 = 0;
  memoryBytes: u64 = 0;
  vcpus: i32 = 1;
  cmdline: string = "";
}

function u8At(b: ByteBuf, off: i32): u32 {
  return off < b.length ? <u32>b.at(off) : 0;
}
function u16At(b: ByteBuf, off: i32): u32 {
  return u8At(b, off) | (u8At(b, off + 1) << 8);
}
function u32At(b: ByteBuf, off: i32): u32 {
  return u16At(b, off) | (u16At(b, off + 2) << 16);
}

function emit32(out: ByteBuf, v: u32): void {
  out.ensure(4);
  store<u32>(out.ptr + <usize>out.length, v);
  out.length += 4;
}
function emit64(out: ByteBuf, v: u64): void {
  out.ensure(8);
  store<u64>(out.ptr + <usize>out.length, v);
  out.length += 8;
}

/** A guest memory write record of `len` zeroed bytes; returns the offset of its data in out. */
function writeRecord(out: ByteBuf, address: u64, len: i32): i32 {
  emit32(out, RECORD_WRITE);
  emit64(out, address);
  emit32(out, <u32>len);
  out.ensure(len);
  memory.fill(out.ptr + <usize>out.length, 0, <usize>len);
  const at = out.length;
  out.length += len;
  return at;
}

@inline function put16(out: ByteBuf, at: i32, v: u32): void {
  store<u16>(out.ptr + <usize>at, <u16>v);
}
@inline function put32(out: ByteBuf, at: i32, v: u32): void {
  store<u32>(out.ptr + <usize>at, v);
}
@inline function put64(out: ByteBuf, at: i32, v: u64): void {
  store<u64>(out.ptr + <usize>at, v);
}

function fail(message: string): bool {
  err(Code.CONFIG_UNSUPPORTED).str(message);
  return false;
}

/** Writes the boot records for req into out; false (with the error set) for an unusable image. */
export function writeBootPlan(req: BootRequest, out: ByteBuf): bool {
  const h = req.header;
  if (u16At(h, 0x1fe) != 0xaa55 || u32At(h, 0x202) != 0x53726448) return fail("the kernel is not a bzImage (no boot protocol header)");
  const version = u16At(h, 0x206);
  if (version < 0x020c) return fail("the kernel's boot protocol is older than 2.12 (no 64-bit entry)");
  if ((u16At(h, 0x236) & 1) == 0) return fail("the kernel has no 64-bit entry point (XLF_KERNEL_64)");
  let setupSects = u8At(h, 0x1f1);
  if (setupSects == 0) setupSects = 4;
  const payloadOffset = (setupSects + 1) * 512;
  const initSize = <u64>u32At(h, 0x260);
  const ram = req.memoryBytes;
  if (ram > 3 * 1024 * MiB) return fail("guest memory above 3 GiB is not supported yet");
  if (req.vcpus < 1 || req.vcpus > MAX_VCPUS) return fail("a guest has 1 to " + MAX_VCPUS.toString() + " vCPUs");
  if (KERNEL_ADDR + initSize > ram) return fail("guest memory is too small for the kernel");
  const cmdlineBytes = String.UTF8.encode(req.cmdline);
  const cmdlineMax = <i32>u32At(h, 0x238);
  if (cmdlineBytes.byteLength >= min(CMDLINE_MAX, cmdlineMax > 0 ? cmdlineMax : CMDLINE_MAX)) return fail("the kernel command line is too long");

  // The initrd goes as high as the kernel allows (initrd_addr_max), page-aligned, below 1 GiB
  // (what the identity map and the zero page's 32-bit fields reach).
  let initrdAddr: u64 = 0;
  if (req.initrdSize > 0) {
    let top = min(ram, 1024 * MiB);
    const maxAddr = <u64>u32At(h, 0x22c);
    if (maxAddr > 0) top = min(top, maxAddr + 1);
    if (req.initrdSize + KERNEL_ADDR + initSize > top) return fail("guest memory is too small for the kernel and the initrd");
    initrdAddr = (top - req.initrdSize) & ~(<u64>0xfff);
  }

  // the protected-mode kernel and the initrd, copied from their files by the host
  emit32(out, RECORD_KERNEL);
  emit32(out, <u32>payloadOffset);
  emit64(out, KERNEL_ADDR);
  if (req.initrdSize > 0) {
    emit32(out, RECORD_INITRD);
    emit64(out, initrdAddr);
  }

  // the command line
  const c = writeRecord(out, CMDLINE, cmdlineBytes.byteLength + 1);
  memory.copy(out.ptr + <usize>c, changetype<usize>(cmdlineBytes), <usize>cmdlineBytes.byteLength);

  // the zero page: the image's setup header at 0x1f1, then what the loader fills in
  const z = writeRecord(out, ZERO_PAGE, 4096);
  const headerEnd = min(h.length, 0x202 + <i32>u8At(h, 0x201));
  memory.copy(out.ptr + <usize>(z + 0x1f1), h.ptr + 0x1f1, <usize>max(0, headerEnd - 0x1f1));
  store<u8>(out.ptr + <usize>(z + 0x210), 0xff); // type_of_loader: undefined
  store<u8>(out.ptr + <usize>(z + 0x211), <u8>(u8At(h, 0x211) | 0x01 | 0x80)); // LOADED_HIGH | CAN_USE_HEAP
  put16(out, z + 0x224, 0xfe00); // heap_end_ptr
  put32(out, z + 0x228, <u32>CMDLINE); // cmd_line_ptr
  put32(out, z + 0x238, <u32>(cmdlineBytes.byteLength + 1));
  put32(out, z + 0x218, <u32>initrdAddr); // ramdisk_image
  put32(out, z + 0x21c, <u32>req.initrdSize); // ramdisk_size
  put32(out, z + 0x214, <u32>KERNEL_ADDR); // code32_start
  put64(out, z + 0x070, RSDP_ADDR); // acpi_rsdp_addr
  // e820: low RAM, the EBDA and BIOS areas reserved, RAM from 1 MiB, PCI's ECAM area reserved (as MCFG wants it)
  const entries: StaticArray<u64> = [
    0, EBDA_START, E820_RAM, EBDA_START, 0xa0000 - EBDA_START, E820_RESERVED, BIOS_START, MiB - BIOS_START, E820_RESERVED, MiB, ram - MiB, E820_RAM,
    ECAM_BASE, ECAM_SIZE, E820_RESERVED,
  ];
  const count = entries.length / 3;
  store<u8>(out.ptr + <usize>(z + 0x1e8), <u8>count);
  for (let i = 0; i < count; i++) {
    const e = z + 0x2d0 + i * 20;
    put64(out, e, entries[i * 3]);
    put64(out, e + 8, entries[i * 3 + 1]);
    put32(out, e + 16, <u32>entries[i * 3 + 2]);
  }

  // ACPI tables in the (reserved) BIOS area
  const acpi = writeRecord(out, RSDP_ADDR, ACPI_AREA_SIZE);
  writeAcpiTables(out.ptr + <usize>acpi, req.vcpus);

  // GDT: null, null, 64-bit code (selector 0x10), data (0x18) — the kernel's __BOOT_CS/__BOOT_DS
  const g = writeRecord(out, GDT_ADDR, 32);
  put64(out, g + 16, 0x00af9b000000ffff);
  put64(out, g + 24, 0x00cf93000000ffff);

  // identity page tables for the first 4 GiB with 2 MiB pages
  const p4 = writeRecord(out, PML4, 4096);
  put64(out, p4, PDPT | 3);
  const p3 = writeRecord(out, PDPT, 4096);
  for (let i = 0; i < 4; i++) put64(out, p3 + i * 8, (PD + <u64>i * 0x1000) | 3);
  const p2 = writeRecord(out, PD, 4 * 4096);
  for (let i = 0; i < 2048; i++) put64(out, p2 + i * 8, (<u64>i << 21) | 0x83); // present, writable, 2 MiB

  // registers: long mode, interrupts off, RSI = zero page
  emit32(out, RECORD_REGS);
  const r = out.length;
  out.ensure(144);
  memory.fill(out.ptr + <usize>r, 0, 144);
  out.length += 144;
  put64(out, r + 4 * 8, ZERO_PAGE); // rsi
  put64(out, r + 6 * 8, BOOT_STACK); // rsp
  put64(out, r + 7 * 8, BOOT_STACK); // rbp
  put64(out, r + 16 * 8, KERNEL_ADDR + 0x200); // rip: startup_64
  put64(out, r + 17 * 8, 2); // rflags

  emit32(out, RECORD_SREGS);
  const s = out.length;
  out.ensure(312);
  memory.fill(out.ptr + <usize>s, 0, 312);
  out.length += 312;
  // kvm_segment: base u64, limit u32, selector u16, type, present, dpl, db, s, l, g, avl, unusable
  segment(out, s + 0 * 24, 0x10, 11, true); // cs
  for (let i = 1; i < 6; i++) segment(out, s + i * 24, 0x18, 3, false); // ds es fs gs ss
  // tr: a busy 64-bit TSS (the kernel loads its own); ldt: unusable
  put32(out, s + 6 * 24 + 8, 0xffff);
  store<u8>(out.ptr + <usize>(s + 6 * 24 + 14), 11);
  store<u8>(out.ptr + <usize>(s + 6 * 24 + 15), 1);
  store<u8>(out.ptr + <usize>(s + 7 * 24 + 22), 1);
  put64(out, s + 192, GDT_ADDR); // gdt.base
  put16(out, s + 200, 31); // gdt.limit
  put64(out, s + 224, 0x80000011); // cr0: PG | ET | PE
  put64(out, s + 240, PML4); // cr3
  put64(out, s + 248, 0x20); // cr4: PAE
  put64(out, s + 264, 0x500); // efer: LMA | LME
  return true;
}

function segment(out: ByteBuf, at: i32, selector: u32, type: u32, code: bool): void {
  put64(out, at, 0);
  put32(out, at + 8, 0xffffffff);
  put16(out, at + 12, selector);
  store<u8>(out.ptr + <usize>(at + 14), <u8>type);
  store<u8>(out.ptr + <usize>(at + 15), 1); // present
  store<u8>(out.ptr + <usize>(at + 16), 0); // dpl
  store<u8>(out.ptr + <usize>(at + 17), code ? 0 : 1); // db
  store<u8>(out.ptr + <usize>(at + 18), 1); // s
  store<u8>(out.ptr + <usize>(at + 19), code ? 1 : 0); // l
  store<u8>(out.ptr + <usize>(at + 20), 1); // g
}
