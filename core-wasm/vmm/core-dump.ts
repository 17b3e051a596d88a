// The guest's memory as an ELF core file, as `virsh dump --memory-only` writes it: an ELF64
// ET_CORE header, one PT_NOTE holding an NT_PRSTATUS per vCPU (its registers, in the layout gdb
// reads), and one PT_LOAD per RAM region at its guest-physical address (p_paddr). This file writes
// everything before the RAM; the host appends the RAM itself, which starts at a page boundary.
import { ByteBuf } from "../util/bytes";

/** Each vCPU's registers as the host reads them: struct kvm_regs (144 bytes), then struct kvm_sregs (312). */
const REGS_BYTES: i32 = 144;
const SREGS_BYTES: i32 = 312;

const EHDR: i32 = 64;
const PHDR: i32 = 56;
const PRSTATUS: i32 = 336; // struct elf_prstatus on x86-64
const NOTE: i32 = 12 + 8 + PRSTATUS; // header, "CORE\0" padded to 4, the descriptor
const PAGE: i32 = 4096;

/** struct user_regs_struct's order, as indexes into struct kvm_regs (rax rbx rcx rdx rsi rdi rsp rbp r8..r15 rip rflags). */
const GENERAL: StaticArray<i32> = [15, 14, 13, 12, 7, 1, 11, 10, 9, 8, 0, 2, 3, 4, 5];

/** The byte offset of the RAM's first byte in the file, for `vcpus` vCPUs. */
function ramOffset(vcpus: i32): i32 {
  const headers = EHDR + 2 * PHDR + vcpus * NOTE;
  return (headers + PAGE - 1) & ~(PAGE - 1);
}

/** A segment's selector in struct kvm_sregs (kvm_segment: base u64, limit u32, selector u16; 24 bytes each: cs ds es fs gs ss). */
function selector(sregs: usize, segment: i32): u64 {
  return <u64>load<u16>(sregs + <usize>(segment * 24 + 12));
}

/** One NT_PRSTATUS note at `at` for the vCPU whose kvm_regs/kvm_sregs are at `regs`. */
function writePrstatus(at: usize, regs: usize, index: i32): void {
  store<u32>(at, 5); // "CORE\0"
  store<u32>(at, PRSTATUS, 4);
  store<u32>(at, 1, 8); // NT_PRSTATUS
  store<u32>(at, 0x45524f43, 12); // "CORE"
  const desc = at + 20;
  store<u32>(desc, index + 1, 32); // pr_pid: one "thread" per vCPU, counted from 1
  const reg = desc + 112; // pr_reg: elf_gregset_t
  for (let i = 0; i < GENERAL.length; i++) store<u64>(reg + <usize>(i * 8), load<u64>(regs + <usize>(unchecked(GENERAL[i]) * 8)));
  store<u64>(reg, ~(<u64>0), 15 * 8); // orig_rax: no system call
  store<u64>(reg, load<u64>(regs, 16 * 8), 16 * 8); // rip
  store<u64>(reg, load<u64>(regs, 17 * 8), 18 * 8); // eflags
  store<u64>(reg, load<u64>(regs, 6 * 8), 19 * 8); // rsp
  const sregs = regs + <usize>REGS_BYTES;
  store<u64>(reg, selector(sregs, 0), 17 * 8); // cs
  store<u64>(reg, selector(sregs, 5), 20 * 8); // ss
  store<u64>(reg, load<u64>(sregs, 3 * 24), 21 * 8); // fs_base
  store<u64>(reg, load<u64>(sregs, 4 * 24), 22 * 8); // gs_base
  store<u64>(reg, selector(sregs, 1), 23 * 8); // ds
  store<u64>(reg, selector(sregs, 2), 24 * 8); // es
  store<u64>(reg, selector(sregs, 3), 25 * 8); // fs
  store<u64>(reg, selector(sregs, 4), 26 * 8); // gs
}

/**
 * The file's first ramOffset(vcpus) bytes into `out`, for RAM of memoryBytes at guest-physical 0;
 * `regs` holds the vcpus' register blocks (REGS_BYTES + SREGS_BYTES each).
 */
export function writeCoreDumpHeader(out: ByteBuf, regs: usize, vcpus: i32, memoryBytes: u64): void {
  const total = ramOffset(vcpus);
  out.clear();
  out.ensure(total);
  memory.fill(out.ptr, 0, <usize>total);
  out.length = total;
  const p = out.ptr;
  store<u32>(p, 0x464c457f); // \x7fELF
  store<u8>(p, 2, 4); // ELFCLASS64
  store<u8>(p, 1, 5); // little-endian
  store<u8>(p, 1, 6); // EV_CURRENT
  store<u16>(p, 4, 16); // ET_CORE
  store<u16>(p, 62, 18); // EM_X86_64
  store<u32>(p, 1, 20);
  store<u64>(p, <u64>EHDR, 32); // e_phoff
  store<u16>(p, <u16>EHDR, 52);
  store<u16>(p, <u16>PHDR, 54);
  store<u16>(p, 2, 56); // e_phnum: the notes, the RAM
  const notes = EHDR + 2 * PHDR;
  const note = p + <usize>EHDR;
  store<u32>(note, 4); // PT_NOTE
  store<u64>(note, <u64>notes, 8);
  store<u64>(note, <u64>(vcpus * NOTE), 32); // p_filesz
  store<u64>(note, <u64>(vcpus * NOTE), 40); // p_memsz
  const ram = note + <usize>PHDR;
  store<u32>(ram, 1); // PT_LOAD
  store<u32>(ram, 7, 4); // rwx
  store<u64>(ram, <u64>total, 8);
  store<u64>(ram, 0, 24); // p_paddr: guest-physical 0
  store<u64>(ram, memoryBytes, 32);
  store<u64>(ram, memoryBytes, 40);
  for (let i = 0; i < vcpus; i++) writePrstatus(p + <usize>(notes + i * NOTE), regs + <usize>(i * (REGS_BYTES + SREGS_BYTES)), i);
}
