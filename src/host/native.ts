// Loads the native shim addon and names the container supervisor beside it: a local build
// (build/Release/, made by `npm run build:addon` in a checkout) first, else the prebuilt one the
// package ships for this platform (prebuilds/linux-x64/). Without either, lxc:/// and kvm:///
// cannot open; everything else (the XML API, test:///, the command line) needs no native code.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The addon's calls: thin wrappers, each throwing an Error with code/errno/syscall/path. */
export interface NativeShim {
  version(): string;
  /** mkdir/rmdir/write/read below /sys/fs/cgroup/ only. */
  cgroupMkdir(path: string): void;
  cgroupRmdir(path: string): void;
  cgroupWrite(path: string, value: string): void;
  cgroupRead(path: string): string;
  /** bpf(BPF_PROG_LOAD) of a cgroup device program (eBPF instructions), attached (BPF_CGROUP_DEVICE) to a cgroup directory below /sys/fs/cgroup/. */
  cgroupAttachDeviceProgram(path: string, instructions: Uint8Array): void;
  /** flock(LOCK_EX | LOCK_NB) on path (created if missing): the fd, or null while another holds it. */
  lockFile(path: string): number | null;
  /** Closes a descriptor the shim opened (lockFile's). */
  closeFd(fd: number): void;
  /** posix_spawn of the supervisor in a new session; fd 3 of the child is reportFd's pipe. */
  spawnSupervisor(path: string, args: string[]): { pid: number; reportFd: number };
  /** Reaps the supervisors this process spawned that have ended (none stays a zombie); returns how many. */
  reapSupervisors(): number;
  /** Drops resident pages of this process's own mapping, only where all are a file's pages (resident-pages.ts). */
  dropFilePages(start: number, length: number): void;
  /** SO_PEERCRED of a connected unix socket (a virtkitd client): who is at the other end. */
  peerCredentials(fd: number): { pid: number; uid: number; gid: number };
  /** A pseudo-terminal in raw mode (a guest's serial line); both ends are closeFd's to close. */
  openPty(): { master: number; slave: number; path: string };
  /** /dev/kvm, VM and vCPU ioctls (shim/kvm.cc); structs travel in typed arrays, as the kernel lays them out. */
  kvm: KvmShim;
  /** A VMM's disk images (shim/disk.cc): open, QEMU-style byte locks, block_io's operations. */
  disk: DiskShim;
  /** A VMM's NICs' taps (shim/tap.cc): open, frames, offloads, wake-ups, and the netdev calls on them. */
  tap: TapShim;
  /** /dev/vhost-net for a VMM's NICs (shim/vhost.cc): the kernel serves their rings. */
  vhost: VhostShim;
}

/** vhost-net's ioctls, one each (ring addresses guest-physical, inside `ram`, the guest RAM buffer). */
export interface VhostShim {
  /** Opens /dev/vhost-net owned by this process: its handle. */
  open(): number;
  close(handle: number): void;
  features(handle: number): number;
  setFeatures(handle: number, features: number): void;
  /** The guest RAM buffer, guest-physical 0 up, as vhost's one memory region. */
  setMemTable(handle: number, ram: ArrayBuffer): void;
  setRingSize(handle: number, index: number, size: number): void;
  setRingBase(handle: number, index: number, next: number): void;
  setRingAddresses(handle: number, index: number, size: number, ram: ArrayBuffer, descriptors: number, available: number, used: number): void;
  /** The shim's eventfds (kvm.eventfd) only; -1 unbinds. */
  setRingKick(handle: number, index: number, eventfd: number): void;
  setRingCall(handle: number, index: number, eventfd: number): void;
  /** One of the shim's taps; -1: the kernel stops serving the ring. */
  setBackend(handle: number, index: number, tap: number): void;
}

export interface TapShim {
  /** Opens /dev/net/tun as a tap with 12-byte virtio-net headers, non-blocking: its handle and name (`name` may hold %d). */
  open(name: string): { handle: number; name: string };
  close(handle: number): void;
  /** One net_io SEND (0) or RECEIVE (1) (src/host/core.ts NetIo) with guest RAM `ram`: bytes moved or -errno. */
  io(op: number, handle: number, ram: ArrayBuffer, iovecs: Uint8Array, count: number): number;
  /** TUNSETOFFLOAD: the TUN_F_* the tap may hand over unfinished. */
  setOffload(handle: number, flags: number): void;
  /** Kicks the vCPU thread `threadId` once the tap has a frame (one shot). */
  watch(handle: number, threadId: number): void;
  /** The netdev calls, on this shim's taps only. */
  setUp(name: string): void;
  setMtu(name: string, mtu: number): void;
  setMac(name: string, mac: Uint8Array): void;
  addToBridge(bridge: string, name: string): void;
}

export interface DiskShim {
  /** Opens an image (read-write or read-only; O_DIRECT for cache='none'/'directsync'): its handle and size in bytes. */
  open(path: string, writable: boolean, direct: boolean): { handle: number; bytes: number };
  close(handle: number): void;
  /** Takes a shared OFD lock on one byte (kept until close). */
  lock(handle: number, byte: number): void;
  /** Whether another open of the file (this process's or another's) holds a lock on the byte. */
  heldElsewhere(handle: number, byte: number): boolean;
  /** One block_io operation (src/host/core.ts BlockIo) with guest RAM `ram`: bytes moved, 0 or -errno. */
  io(op: number, handle: number, offset: number, ram: ArrayBuffer, iovecs: Uint8Array, count: number): number;
}

export interface KvmShim {
  open(): number;
  apiVersion(system: number): number;
  checkExtension(system: number, capability: number): number;
  createVm(system: number): number;
  /** Fills a kvm_cpuid2 buffer whose nent says how many entries fit; returns the count. */
  supportedCpuid(system: number, cpuid: Uint8Array): number;
  setTssAddr(vm: number, address: number): void;
  setIdentityMapAddr(vm: number, address: number): void;
  createIrqchip(vm: number): void;
  createPit2(vm: number): void;
  irqLine(vm: number, irq: number, level: number): void;
  /** KVM_SIGNAL_MSI: a device's message-signalled interrupt. */
  signalMsi(vm: number, addressLow: number, addressHigh: number, data: number): void;
  /** A non-blocking eventfd for ioeventfd, irqfd and vhost (closed with close()). */
  eventfd(): number;
  /** KVM_IOEVENTFD on an MMIO address: writes of `length` bytes (0: any) signal the eventfd without an exit; assign false removes it. */
  ioeventfd(vm: number, address: number, length: number, eventfd: number, assign: boolean): void;
  /** KVM_IRQFD: a signal on the eventfd raises the GSI's route; assign false removes it. */
  irqfd(vm: number, eventfd: number, gsi: number, assign: boolean): void;
  /** KVM_SET_GSI_ROUTING from a struct kvm_irq_routing. */
  setGsiRouting(vm: number, routing: Uint8Array): void;
  /** Anonymous memory registered as guest memory slot `slot` at `guestPhys`. */
  guestMemory(vm: number, slot: number, guestPhys: number, size: number): ArrayBuffer;
  /** MADV_DONTNEED on whole pages of a guestMemory buffer (a balloon's pages: they read back as zeros). */
  discardGuestMemory(ram: ArrayBuffer, offset: number, length: number): void;
  createVcpu(vm: number, id: number): number;
  /** The vCPU's kvm_run area. */
  runArea(vcpu: number, system: number): ArrayBuffer;
  getRegs(vcpu: number, regs: BigUint64Array): void;
  setRegs(vcpu: number, regs: BigUint64Array): void;
  getSregs(vcpu: number, sregs: Uint8Array): void;
  setSregs(vcpu: number, sregs: Uint8Array): void;
  setCpuid2(vcpu: number, cpuid: Uint8Array): void;
  setMsrs(vcpu: number, msrs: Uint8Array): number;
  setFpu(vcpu: number, fpu: Uint8Array): void;
  /** struct kvm_lapic_state (1024 bytes: the local APIC's registers). */
  getLapic(vcpu: number, lapic: Uint8Array): void;
  setLapic(vcpu: number, lapic: Uint8Array): void;
  /** KVM_RUN: 0 after an exit (reason in the run area), -1 when interrupted (kick) or to be entered again (EAGAIN). */
  run(vcpu: number): number;
  /** Makes the calling thread's KVM_RUN interruptible by kick(); returns its thread id. */
  vcpuThread(): number;
  /** Interrupts the KVM_RUN of a thread that called vcpuThread(). */
  kick(threadId: number): void;
  /** Kicks a thread that called vcpuThread() every intervalMs; returns the timer for stopKicks(). */
  kickEvery(threadId: number, intervalMs: number): number;
  stopKicks(timer: number): void;
  close(fd: number): void;
}

let cached: { shim: NativeShim; dir: string } | undefined;

/** Where the addon may be, in the order tried: package root seen from dist/ or src/host/. */
function candidates(): string[] {
  const platform = `${process.platform}-${process.arch}`;
  return ["../", "../../"].flatMap((root) => [`${root}build/Release/vshim.node`, `${root}prebuilds/${platform}/vshim.node`].map((rel) => fileURLToPath(new URL(rel, import.meta.url))));
}

function load(): { shim: NativeShim; dir: string } {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  let failure = "";
  for (const path of candidates()) {
    if (!existsSync(path)) continue;
    try {
      return (cached = { shim: require(path) as NativeShim, dir: dirname(path) });
    } catch (e) {
      failure ||= `${path} does not load here (${(e as Error).message.split("\n")[0]})`;
    }
  }
  throw new Error(
    failure ||
      `virtkit's native shim is missing: no prebuilt one for ${process.platform}-${process.arch} and no local build (\`npm run build:addon\` in virtkit's folder builds it with g++, make and python3)`,
  );
}

export function loadNativeShim(): NativeShim {
  return load().shim;
}

/** The container supervisor executable (built with the addon). */
export function supervisorPath(): string {
  return join(load().dir, "virtkit-lxc-supervisor");
}
