// What a container's root may do: its capability bounding set (libvirt's
// <features><capabilities> policy over virtkit's default set), the kernel interfaces under /proc
// it sees read-only or not at all, and the seccomp filter of syscalls no container needs. The
// plan carries each as lines the supervisor's child performs literally (plan.ts places them).
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { PROCESS_CAPS, enumOfSymbol } from "../../domain/rules/general";
import { sym } from "../../domain/context";
import { attr, hexOf } from "../hosted/plan-writer";

/** Linux's number for each of PROCESS_CAPS' names, in that order. */
const CAP_NUMBERS: i32[] = [30, 29, 36, 0, 1, 2, 3, 4, 14, 15, 5, 28, 9, 33, 32, 27, 12, 10, 11, 13, 6, 31, 8, 7, 21, 22, 18, 16, 23, 20, 19, 17, 24, 25, 26, 34, 35];

/** The highest capability number the core knows (CAP_CHECKPOINT_RESTORE, Linux 5.9). */
const LAST_CAP: i32 = 40;

/**
 * Dropped by default: powers over the host rather than over the container. sys_module,
 * sys_rawio (I/O ports, /dev/mem, raw devices), sys_pacct (accounting is the host's), sys_admin
 * (mount and remount, among much else), sys_time (the clock is the host's), mknod (device
 * nodes, such as the host's disks), audit_control, mac_override and mac_admin (the host's audit
 * and security policy), syslog (the host's kernel log), wake_alarm and block_suspend (the host's
 * power management), and the four libvirt cannot name: audit_read (the host's audit log),
 * perfmon and bpf (tracing and programs in the host's kernel). sys_boot stays: reboot(2) in a
 * PID namespace is how a container's init powers off or restarts.
 */
const DROPPED_BY_DEFAULT: i32[] = [16, 17, 20, 21, 25, 27, 30, 32, 33, 34, 35, 36, 37, 38, 39];
/** net_admin, also dropped by default from a container that shares the host's network. */
const CAP_NET_ADMIN: i32 = 12;

/**
 * The capability numbers init's bounding set keeps, ascending. policy 'default': the default set
 * with the named capabilities turned on or off; 'allow': every capability but those turned off;
 * 'deny': only those turned on.
 */
export function boundingSet(d: Doc, privateNet: bool): string[] {
  const keep = new StaticArray<bool>(LAST_CAP + 1);
  const features = d.child(d.root, S.features);
  const caps = features == NONE ? NONE : d.child(features, sym("capabilities"));
  const policy = caps == NONE ? "default" : attr(d, caps, S.policy);
  for (let c = 0; c <= LAST_CAP; c++) keep[c] = policy != "deny";
  if (policy == "default") {
    for (let i = 0; i < DROPPED_BY_DEFAULT.length; i++) keep[DROPPED_BY_DEFAULT[i]] = false;
    if (!privateNet) keep[CAP_NET_ADMIN] = false;
  }
  for (let c = caps == NONE ? NONE : d.firstElement(caps); c != NONE; c = d.nextElement(c)) {
    const index = enumOfSymbol(d.nameOf(c), PROCESS_CAPS);
    if (index >= 0) keep[CAP_NUMBERS[index]] = attr(d, c, S.state) != "off";
  }
  const out = new Array<string>();
  for (let c = 0; c <= LAST_CAP; c++) if (keep[c]) out.push(c.toString());
  return out;
}

/** Kernel interfaces under /proc a container sees read-only (bound over themselves). */
export const READONLY_PROC: string[] = ["sys", "sysrq-trigger", "irq", "bus"];
/**
 * /proc files a container sees as /dev/null: the host's memory (kcore), kernel log (kmsg),
 * keys of every user (keys) and timers (timer_list).
 */
export const MASKED_PROC: string[] = ["kcore", "kmsg", "keys", "timer_list"];

/**
 * Syscalls no container needs, refused with EPERM (x86_64 numbers, ascending): acct (accounting
 * for the whole host), swapon/swapoff (the host's swap), iopl/ioperm (hardware I/O ports),
 * init_module/delete_module/finit_module (kernel modules), kexec_load/kexec_file_load (replacing
 * the host's kernel: only CAP_SYS_BOOT guards them, which a container keeps for reboot(2)),
 * open_by_handle_at (opens any file of a mounted filesystem by its handle, past the container's
 * root: only CAP_DAC_READ_SEARCH guards it, which root keeps).
 */
const DENIED_SYSCALLS: u32[] = [163, 167, 168, 172, 173, 175, 176, 246, 304, 313, 320];

const AUDIT_ARCH_X86_64: u32 = 0xc000003e;
/** x32 syscalls are x86_64's with this bit set: they are refused whole. */
const X32_SYSCALL_BIT: u32 = 0x40000000;
const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JEQ_K: u16 = 0x15;
const BPF_JGE_K: u16 = 0x35;
const BPF_RET_K: u16 = 0x06;
const SECCOMP_RET_ALLOW: u32 = 0x7fff0000;
const SECCOMP_RET_ERRNO_EPERM: u32 = 0x00050001;

/** One struct sock_filter (code u16, jt u8, jf u8, k u32, little-endian) as hex. */
function insn(out: string[], code: u16, jt: i32, jf: i32, k: u32): void {
  out.push(hexOf([code & 0xff, code >> 8, <u32>jt, <u32>jf, k & 0xff, (k >> 8) & 0xff, (k >> 16) & 0xff, k >> 24]));
}

/**
 * The seccomp program for an x86_64 container, as the hex bytes of its sock_filter array:
 * another architecture (i386 through int 0x80) or an x32 syscall is refused whole, a denied
 * syscall is refused, anything else is allowed; refusals return EPERM.
 */
export function seccompFilter(): string {
  const out = new Array<string>();
  const n = DENIED_SYSCALLS.length;
  const deny = 5 + n; // index of the refusing return
  insn(out, BPF_LD_W_ABS, 0, 0, 4); // seccomp_data.arch
  insn(out, BPF_JEQ_K, 0, deny - 2, AUDIT_ARCH_X86_64);
  insn(out, BPF_LD_W_ABS, 0, 0, 0); // seccomp_data.nr
  insn(out, BPF_JGE_K, deny - 4, 0, X32_SYSCALL_BIT);
  for (let i = 0; i < n; i++) insn(out, BPF_JEQ_K, n - i, 0, DENIED_SYSCALLS[i]);
  insn(out, BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW);
  insn(out, BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO_EPERM);
  return out.join("");
}
