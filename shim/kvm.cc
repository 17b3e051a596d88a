// The shim's KVM calls: thin wrappers over /dev/kvm, VM and vCPU ioctls (only those named in
// this file), guest memory mapped for the VMM, and the vCPU's kvm_run area. Descriptors come
// from a table of what this file opened, each with its kind: a VM ioctl only on a VM fd, a vCPU
// ioctl only on a vCPU fd. No policy: the VMM (core.wasm) decides every value.
#include <napi.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <set>
#include <string>

namespace {

enum class Kind { System, Vm, Vcpu, EventFd };

/**
 * kvm_cpuid2 and kvm_msrs: a u32 count, u32 padding, then the entries, at byte 8 as the kernel
 * (C) lays them out. (g++ places the zero-length array of these headers at 12.)
 */
constexpr size_t kListHeader = 8;
// Their request numbers encode the struct's size: use the kernel's 8, not g++'s sizeof.
constexpr unsigned long kGetSupportedCpuid = _IOC(_IOC_READ | _IOC_WRITE, KVMIO, 0x05, kListHeader);
constexpr unsigned long kSetCpuid2 = _IOC(_IOC_WRITE, KVMIO, 0x90, kListHeader);
constexpr unsigned long kSetMsrs = _IOC(_IOC_WRITE, KVMIO, 0x89, kListHeader);
constexpr unsigned long kSetGsiRouting = _IOC(_IOC_WRITE, KVMIO, 0x6a, kListHeader);
// vCPU loops run on worker threads: the tables are shared by every thread of the process.
std::mutex tablesLock;
std::map<int, Kind> fds;
std::map<int, kvm_run *> runAreas;
/** Threads that called vcpuThread(): the only targets of kick(). */
std::set<pid_t> vcpuThreads;
/** Periodic kicks (POSIX timers) this file created, by the number handed out for them. */
std::map<int, timer_t> kickTimers;
int nextKickTimer = 1;

/** The signal that interrupts a thread's KVM_RUN (Node keeps SIGUSR1 for its inspector). */
constexpr int kKickSignal = SIGUSR2;
/** The kvm_run of the vCPU this thread is running, for the kick handler. */
thread_local kvm_run *runningArea = nullptr;
/** Set by a kick, cleared when run() reports it: a kick between two KVM_RUNs is never lost. */
thread_local volatile sig_atomic_t kicked = 0;
/** Set while this thread is inside run(): only then may the kick handler touch runningArea. */
thread_local volatile sig_atomic_t inRun = 0;

void Track(int fd, Kind kind) {
  std::lock_guard<std::mutex> hold(tablesLock);
  fds[fd] = kind;
}

Napi::Error KvmError(Napi::Env env, int err, const char *call) {
  Napi::Error e = Napi::Error::New(env, std::string(call) + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, call));
  const char *name = strerrorname_np(err);
  e.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
  return e;
}

int Fd(const Napi::CallbackInfo &info, size_t i, Kind kind) {
  int fd = info[i].As<Napi::Number>().Int32Value();
  std::lock_guard<std::mutex> hold(tablesLock);
  auto it = fds.find(fd);
  if (it == fds.end() || it->second != kind) throw KvmError(info.Env(), EBADF, "kvm (not a descriptor of that kind opened by the shim)");
  return fd;
}

uint64_t U64(const Napi::Value &v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  return (uint64_t)v.As<Napi::Number>().DoubleValue();
}

/**
 * ioctl, entered again when a signal interrupted it: the periodic kick of a VMM's main thread
 * (kickEvery) may arrive during a slow call such as KVM_CREATE_VM. (KVM_RUN is not retried: an
 * interrupted run is how a kick reaches the caller.)
 */
template <typename Arg>
int Ioctl(int fd, unsigned long request, Arg arg) {
  int rc;
  do rc = ioctl(fd, request, arg);
  while (rc < 0 && errno == EINTR);
  return rc;
}

/** ioctl with an integer argument; returns its result or throws. */
int Call(const Napi::CallbackInfo &info, int fd, unsigned long request, unsigned long arg, const char *name) {
  int rc = Ioctl(fd, request, arg);
  if (rc < 0) throw KvmError(info.Env(), errno, name);
  return rc;
}

/** A typed array's bytes: where they are and how many (napi_get_typedarray_info's own view). */
uint8_t *BytesOf(const Napi::CallbackInfo &info, size_t i, size_t *length) {
  napi_typedarray_type type;
  size_t count;
  void *data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(info.Env(), info[i], &type, &count, &data, &buffer, &offset) != napi_ok) throw KvmError(info.Env(), EINVAL, "typed array expected");
  size_t element = type == napi_uint8_array || type == napi_int8_array || type == napi_uint8_clamped_array ? 1
                 : type == napi_uint16_array || type == napi_int16_array ? 2
                 : type == napi_bigint64_array || type == napi_biguint64_array || type == napi_float64_array ? 8 : 4;
  *length = count * element;
  return static_cast<uint8_t *>(data);
}

/** ioctl with a struct passed in (and possibly back) through a JS typed array. */
void CallBuffer(const Napi::CallbackInfo &info, int fd, unsigned long request, size_t argIndex, size_t size, const char *name) {
  size_t length;
  uint8_t *p = BytesOf(info, argIndex, &length);
  if (length < size) throw KvmError(info.Env(), EINVAL, name);
  if (Ioctl(fd, request, p) < 0) throw KvmError(info.Env(), errno, name);
}

// ---- /dev/kvm ---------------------------------------------------------------------------------------

Napi::Value Open(const Napi::CallbackInfo &info) {
  int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) throw KvmError(info.Env(), errno, "open /dev/kvm");
  Track(fd, Kind::System);
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value ApiVersion(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), Call(info, Fd(info, 0, Kind::System), KVM_GET_API_VERSION, 0, "KVM_GET_API_VERSION"));
}

Napi::Value CheckExtension(const Napi::CallbackInfo &info) {
  int fd = Fd(info, 0, Kind::System);
  return Napi::Number::New(info.Env(), Call(info, fd, KVM_CHECK_EXTENSION, info[1].As<Napi::Number>().Uint32Value(), "KVM_CHECK_EXTENSION"));
}

Napi::Value CreateVm(const Napi::CallbackInfo &info) {
  int vm = Call(info, Fd(info, 0, Kind::System), KVM_CREATE_VM, 0, "KVM_CREATE_VM");
  fcntl(vm, F_SETFD, FD_CLOEXEC);
  Track(vm, Kind::Vm);
  return Napi::Number::New(info.Env(), vm);
}

/** KVM_GET_SUPPORTED_CPUID into a kvm_cpuid2 buffer (nent set by the caller); returns nent. */
Napi::Value SupportedCpuid(const Napi::CallbackInfo &info) {
  int fd = Fd(info, 0, Kind::System);
  size_t length;
  auto *cpuid = reinterpret_cast<kvm_cpuid2 *>(BytesOf(info, 1, &length));
  if (length < kListHeader + cpuid->nent * sizeof(kvm_cpuid_entry2)) throw KvmError(info.Env(), EINVAL, "KVM_GET_SUPPORTED_CPUID (buffer shorter than nent entries)");
  if (Ioctl(fd, kGetSupportedCpuid, cpuid) < 0) throw KvmError(info.Env(), errno, "KVM_GET_SUPPORTED_CPUID");
  return Napi::Number::New(info.Env(), cpuid->nent);
}

// ---- VM ------------------------------------------------------------------------------------------------

Napi::Value SetTssAddr(const Napi::CallbackInfo &info) {
  Call(info, Fd(info, 0, Kind::Vm), KVM_SET_TSS_ADDR, (unsigned long)U64(info[1]), "KVM_SET_TSS_ADDR");
  return info.Env().Undefined();
}

Napi::Value SetIdentityMapAddr(const Napi::CallbackInfo &info) {
  uint64_t addr = U64(info[1]);
  if (Ioctl(Fd(info, 0, Kind::Vm), KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0) throw KvmError(info.Env(), errno, "KVM_SET_IDENTITY_MAP_ADDR");
  return info.Env().Undefined();
}

Napi::Value CreateIrqchip(const Napi::CallbackInfo &info) {
  Call(info, Fd(info, 0, Kind::Vm), KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP");
  return info.Env().Undefined();
}

Napi::Value CreatePit2(const Napi::CallbackInfo &info) {
  kvm_pit_config config{};
  config.flags = KVM_PIT_SPEAKER_DUMMY;
  if (Ioctl(Fd(info, 0, Kind::Vm), KVM_CREATE_PIT2, &config) < 0) throw KvmError(info.Env(), errno, "KVM_CREATE_PIT2");
  return info.Env().Undefined();
}

Napi::Value IrqLine(const Napi::CallbackInfo &info) {
  kvm_irq_level level{};
  level.irq = info[1].As<Napi::Number>().Uint32Value();
  level.level = info[2].As<Napi::Number>().Uint32Value();
  if (Ioctl(Fd(info, 0, Kind::Vm), KVM_IRQ_LINE, &level) < 0) throw KvmError(info.Env(), errno, "KVM_IRQ_LINE");
  return info.Env().Undefined();
}

/** KVM_SIGNAL_MSI: one message (address, data) from a device, as the VMM's core raised it. */
Napi::Value SignalMsi(const Napi::CallbackInfo &info) {
  kvm_msi msi{};
  msi.address_lo = info[1].As<Napi::Number>().Uint32Value();
  msi.address_hi = info[2].As<Napi::Number>().Uint32Value();
  msi.data = info[3].As<Napi::Number>().Uint32Value();
  if (Ioctl(Fd(info, 0, Kind::Vm), KVM_SIGNAL_MSI, &msi) < 0) throw KvmError(info.Env(), errno, "KVM_SIGNAL_MSI");
  return info.Env().Undefined();
}

/** eventfd() → a descriptor for ioeventfd, irqfd and vhost's kick and call (closed with close()). */
Napi::Value EventFd(const Napi::CallbackInfo &info) {
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw KvmError(info.Env(), errno, "eventfd");
  Track(fd, Kind::EventFd);
  return Napi::Number::New(info.Env(), fd);
}

/** ioeventfd(vm, address, length, eventfd, assign): KVM_IOEVENTFD on an MMIO address (length 0: any write). */
Napi::Value IoEventFd(const Napi::CallbackInfo &info) {
  kvm_ioeventfd event{};
  event.addr = U64(info[1]);
  event.len = info[2].As<Napi::Number>().Uint32Value();
  event.fd = Fd(info, 3, Kind::EventFd);
  event.flags = info[4].As<Napi::Boolean>().Value() ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN;
  if (Ioctl(Fd(info, 0, Kind::Vm), KVM_IOEVENTFD, &event) < 0) throw KvmError(info.Env(), errno, "KVM_IOEVENTFD");
  return info.Env().Undefined();
}

/** irqfd(vm, eventfd, gsi, assign): KVM_IRQFD (a signal on the eventfd raises the GSI's route). */
Napi::Value IrqFd(const Napi::CallbackInfo &info) {
  kvm_irqfd irqfd{};
  irqfd.fd = Fd(info, 1, Kind::EventFd);
  irqfd.gsi = info[2].As<Napi::Number>().Uint32Value();
  irqfd.flags = info[3].As<Napi::Boolean>().Value() ? 0 : KVM_IRQFD_FLAG_DEASSIGN;
  if (Ioctl(Fd(info, 0, Kind::Vm), KVM_IRQFD, &irqfd) < 0) throw KvmError(info.Env(), errno, "KVM_IRQFD");
  return info.Env().Undefined();
}

/**
 * Maps size bytes of anonymous memory and registers it as guest memory slot `slot` at guest
 * physical address `guestPhys`; returns an ArrayBuffer over it (unmapped when collected).
 */
Napi::Value GuestMemory(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int vm = Fd(info, 0, Kind::Vm);
  uint32_t slot = info[1].As<Napi::Number>().Uint32Value();
  uint64_t guestPhys = U64(info[2]);
  uint64_t size = U64(info[3]);
  void *mem = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) throw KvmError(env, errno, "mmap guest memory");
  madvise(mem, size, MADV_MERGEABLE);
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.guest_phys_addr = guestPhys;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uint64_t>(mem);
  if (Ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
    int err = errno;
    munmap(mem, size);
    throw KvmError(env, err, "KVM_SET_USER_MEMORY_REGION");
  }
  return Napi::ArrayBuffer::New(env, mem, size, [](Napi::Env, void *data, size_t *len) { munmap(data, *len); delete len; }, new size_t(size));
}

/**
 * discardGuestMemory(ram, offset, length): gives whole pages of guest memory back to the host's
 * kernel (MADV_DONTNEED on the private mapping: they read back as zeros). The range must lie in
 * `ram` (an ArrayBuffer guestMemory returned) and be page-aligned.
 */
Napi::Value DiscardGuestMemory(const Napi::CallbackInfo &info) {
  Napi::ArrayBuffer ram = info[0].As<Napi::ArrayBuffer>();
  uint64_t offset = U64(info[1]);
  uint64_t length = U64(info[2]);
  uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  if (offset % page != 0 || length % page != 0 || offset > ram.ByteLength() || length > ram.ByteLength() - offset) throw KvmError(info.Env(), EINVAL, "discard guest memory");
  if (madvise(static_cast<uint8_t *>(ram.Data()) + offset, length, MADV_DONTNEED) < 0) throw KvmError(info.Env(), errno, "madvise");
  return info.Env().Undefined();
}

Napi::Value CreateVcpu(const Napi::CallbackInfo &info) {
  int vcpu = Call(info, Fd(info, 0, Kind::Vm), KVM_CREATE_VCPU, info[1].As<Napi::Number>().Uint32Value(), "KVM_CREATE_VCPU");
  fcntl(vcpu, F_SETFD, FD_CLOEXEC);
  Track(vcpu, Kind::Vcpu);
  return Napi::Number::New(info.Env(), vcpu);
}

// ---- vCPU --------------------------------------------------------------------------------------------------

/** The vCPU's shared kvm_run area (size from KVM_GET_VCPU_MMAP_SIZE) as an ArrayBuffer. */
Napi::Value RunArea(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int vcpu = Fd(info, 0, Kind::Vcpu);
  int system = Fd(info, 1, Kind::System);
  int size = Call(info, system, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
  void *run = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
  if (run == MAP_FAILED) throw KvmError(env, errno, "mmap kvm_run");
  {
    std::lock_guard<std::mutex> hold(tablesLock);
    runAreas[vcpu] = static_cast<kvm_run *>(run);
  }
  return Napi::ArrayBuffer::New(env, run, size, [](Napi::Env, void *data, size_t *len) { munmap(data, *len); delete len; }, new size_t(size));
}

Napi::Value GetRegs(const Napi::CallbackInfo &info) {
  CallBuffer(info, Fd(info, 0, Kind::Vcpu), KVM_GET_REGS, 1, sizeof(kvm_regs), "KVM_GET_REGS");
  return info.Env().Undefined();
}

Napi::Value SetRegs(const Napi::CallbackInfo &info) {
  CallBuffer(info, Fd(info, 0, Kind::Vcpu), KVM_SET_REGS, 1, sizeof(kvm_regs), "KVM_SET_REGS");
  return info.Env().Undefined();
}

Napi::Value GetSregs(const Napi::CallbackInfo &info) {
  CallBuffer(info, Fd(info, 0, Kind::Vcpu), KVM_GET_SREGS, 1, sizeof(kvm_sregs), "KVM_GET_SREGS");
  return info.Env().Undefined();
}

Napi::Value SetSregs(const Napi::CallbackInfo &info) {
  CallBuffer(info, Fd(info, 0, Kind::Vcpu), KVM_SET_SREGS, 1, sizeof(kvm_sregs), "KVM_SET_SREGS");
  return info.Env().Undefined();
}

Napi::Value SetCpuid2(const Napi::CallbackInfo &info) {
  size_t length;
  auto *cpuid = reinterpret_cast<kvm_cpuid2 *>(BytesOf(info, 1, &length));
  if (length < kListHeader + cpuid->nent * sizeof(kvm_cpuid_entry2)) throw KvmError(info.Env(), EINVAL, "KVM_SET_CPUID2");
  if (Ioctl(Fd(info, 0, Kind::Vcpu), kSetCpuid2, cpuid) < 0) throw KvmError(info.Env(), errno, "KVM_SET_CPUID2");
  return info.Env().Undefined();
}

/** KVM_SET_GSI_ROUTING from a kvm_irq_routing buffer. */
Napi::Value SetGsiRouting(const Napi::CallbackInfo &info) {
  size_t length;
  auto *routing = reinterpret_cast<kvm_irq_routing *>(BytesOf(info, 1, &length));
  if (length < kListHeader + routing->nr * sizeof(kvm_irq_routing_entry)) throw KvmError(info.Env(), EINVAL, "KVM_SET_GSI_ROUTING");
  if (Ioctl(Fd(info, 0, Kind::Vm), kSetGsiRouting, routing) < 0) throw KvmError(info.Env(), errno, "KVM_SET_GSI_ROUTING");
  return info.Env().Undefined();
}

/** KVM_SET_MSRS from a kvm_msrs buffer; returns how many were set. */
Napi::Value SetMsrs(const Napi::CallbackInfo &info) {
  size_t length;
  auto *msrs = reinterpret_cast<kvm_msrs *>(BytesOf(info, 1, &length));
  if (length < kListHeader + msrs->nmsrs * sizeof(kvm_msr_entry)) throw KvmError(info.Env(), EINVAL, "KVM_SET_MSRS");
  int rc = Ioctl(Fd(info, 0, Kind::Vcpu), kSetMsrs, msrs);
  if (rc < 0) throw KvmError(info.Env(), errno, "KVM_SET_MSRS");
  return Napi::Number::New(info.Env(), rc);
}

Napi::Value GetLapic(const Napi::CallbackInfo &info) {
  CallBuffer(info, Fd(info, 0, Kind::Vcpu), KVM_GET_LAPIC, 1, sizeof(kvm_lapic_state), "KVM_GET_LAPIC");
  return info.Env().Undefined();
}

Napi::Value SetLapic(const Napi::CallbackInfo &info) {
  CallBuffer(info, Fd(info, 0, Kind::Vcpu), KVM_SET_LAPIC, 1, sizeof(kvm_lapic_state), "KVM_SET_LAPIC");
  return info.Env().Undefined();
}

Napi::Value SetFpu(const Napi::CallbackInfo &info) {
  CallBuffer(info, Fd(info, 0, Kind::Vcpu), KVM_SET_FPU, 1, sizeof(kvm_fpu), "KVM_SET_FPU");
  return info.Env().Undefined();
}

/** KVM_RUN: 0 after an exit, -1 when a kick (or another signal) interrupted it or a waiting vCPU must be entered again. */
Napi::Value Run(const Napi::CallbackInfo &info) {
  int vcpu = Fd(info, 0, Kind::Vcpu);
  {
    std::lock_guard<std::mutex> hold(tablesLock);
    auto it = runAreas.find(vcpu);
    runningArea = it == runAreas.end() ? nullptr : it->second;
  }
  // A kick from here on also sets immediate_exit: KVM_RUN then returns EINTR at once.
  inRun = 1;
  int rc = -1, err = EINTR;
  if (!kicked) {
    rc = ioctl(vcpu, KVM_RUN, 0);
    if (rc < 0) err = errno;
  }
  inRun = 0;
  // a kick that arrives after an exit stays in `kicked`: the next run() reports it
  if (rc < 0 && err == EAGAIN) {
    // a vCPU in the INIT state woke for an INIT or a SIPI: the caller enters it again
    return Napi::Number::New(info.Env(), -1);
  }
  if (rc < 0) {
    kicked = 0;
    if (runningArea) runningArea->immediate_exit = 0;
    if (err != EINTR) throw KvmError(info.Env(), err, "KVM_RUN");
    return Napi::Number::New(info.Env(), -1);
  }
  return Napi::Number::New(info.Env(), 0);
}

void OnKick(int) {
  kicked = 1;
  if (inRun && runningArea) runningArea->immediate_exit = 1;
}

/** Makes the calling thread kickable (kick() interrupts its KVM_RUN); returns its thread id. */
Napi::Value VcpuThread(const Napi::CallbackInfo &info) {
  struct sigaction action {};
  action.sa_handler = OnKick;
  // SA_RESTART: the periodic kick of a VMM's main thread must not fail its other system calls
  // (an open on 9p, say); KVM_RUN still returns EINTR, which the kernel never restarts
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  if (sigaction(kKickSignal, &action, nullptr) < 0) throw KvmError(info.Env(), errno, "sigaction");
  sigset_t kick;
  sigemptyset(&kick);
  sigaddset(&kick, kKickSignal);
  pthread_sigmask(SIG_UNBLOCK, &kick, nullptr);
  runningArea = nullptr;  // the handler's thread-locals exist before any signal arrives
  kicked = 0;
  inRun = 0;
  pid_t tid = (pid_t)syscall(SYS_gettid);
  std::lock_guard<std::mutex> hold(tablesLock);
  vcpuThreads.insert(tid);
  return Napi::Number::New(info.Env(), tid);
}

/** Interrupts the KVM_RUN of a thread that called vcpuThread() (from any thread). */
Napi::Value Kick(const Napi::CallbackInfo &info) {
  pid_t tid = info[0].As<Napi::Number>().Int32Value();
  {
    std::lock_guard<std::mutex> hold(tablesLock);
    if (!vcpuThreads.count(tid)) throw KvmError(info.Env(), ESRCH, "kick (not a vCPU thread)");
  }
  if (syscall(SYS_tgkill, getpid(), tid, kKickSignal) < 0) throw KvmError(info.Env(), errno, "tgkill");
  return info.Env().Undefined();
}

/** Kicks a vCPU thread every intervalMs (a POSIX timer signalling that thread); returns the timer's number. */
Napi::Value KickEvery(const Napi::CallbackInfo &info) {
  pid_t tid = info[0].As<Napi::Number>().Int32Value();
  long ms = info[1].As<Napi::Number>().Int64Value();
  std::lock_guard<std::mutex> hold(tablesLock);
  if (!vcpuThreads.count(tid)) throw KvmError(info.Env(), ESRCH, "kickEvery (not a vCPU thread)");
  if (ms <= 0) throw KvmError(info.Env(), EINVAL, "kickEvery (interval)");
  struct sigevent event {};
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = kKickSignal;
  event._sigev_un._tid = tid;  // sigev_notify_thread_id: glibc 2.36 names it only this way
  timer_t timer;
  if (timer_create(CLOCK_MONOTONIC, &event, &timer) < 0) throw KvmError(info.Env(), errno, "timer_create");
  struct itimerspec every {};
  every.it_interval.tv_sec = ms / 1000;
  every.it_interval.tv_nsec = (ms % 1000) * 1000000;
  every.it_value = every.it_interval;
  if (timer_settime(timer, 0, &every, nullptr) < 0) {
    int err = errno;
    timer_delete(timer);
    throw KvmError(info.Env(), err, "timer_settime");
  }
  kickTimers[nextKickTimer] = timer;
  return Napi::Number::New(info.Env(), nextKickTimer++);
}

Napi::Value StopKicks(const Napi::CallbackInfo &info) {
  int id = info[0].As<Napi::Number>().Int32Value();
  std::lock_guard<std::mutex> hold(tablesLock);
  auto it = kickTimers.find(id);
  if (it == kickTimers.end()) throw KvmError(info.Env(), EINVAL, "stopKicks (not a timer of kickEvery)");
  timer_delete(it->second);
  kickTimers.erase(it);
  return info.Env().Undefined();
}

Napi::Value Close(const Napi::CallbackInfo &info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  {
    std::lock_guard<std::mutex> hold(tablesLock);
    if (fds.erase(fd) == 0) throw KvmError(info.Env(), EBADF, "close (not opened by the shim)");
    auto it = runAreas.find(fd);
    if (it != runAreas.end() && it->second == runningArea) runningArea = nullptr;  // no kick into an unmapped area
    if (it != runAreas.end()) runAreas.erase(it);
  }
  close(fd);
  return info.Env().Undefined();
}

}  // namespace

/** Kicks a thread that called vcpuThread() (tap.cc's watcher, on its own thread); false for any other. */
bool KickVcpuThread(pid_t tid) {
  {
    std::lock_guard<std::mutex> hold(tablesLock);
    if (!vcpuThreads.count(tid)) return false;
  }
  return syscall(SYS_tgkill, getpid(), tid, kKickSignal) == 0;
}

/** An eventfd this file made (vhost.cc takes only these as kick and call descriptors). */
bool IsShimEventFd(int fd) {
  std::lock_guard<std::mutex> hold(tablesLock);
  auto it = fds.find(fd);
  return it != fds.end() && it->second == Kind::EventFd;
}

void RegisterKvm(Napi::Env env, Napi::Object exports) {
  Napi::Object kvm = Napi::Object::New(env);
  kvm.Set("open", Napi::Function::New(env, Open));
  kvm.Set("apiVersion", Napi::Function::New(env, ApiVersion));
  kvm.Set("checkExtension", Napi::Function::New(env, CheckExtension));
  kvm.Set("createVm", Napi::Function::New(env, CreateVm));
  kvm.Set("supportedCpuid", Napi::Function::New(env, SupportedCpuid));
  kvm.Set("setTssAddr", Napi::Function::New(env, SetTssAddr));
  kvm.Set("setIdentityMapAddr", Napi::Function::New(env, SetIdentityMapAddr));
  kvm.Set("createIrqchip", Napi::Function::New(env, CreateIrqchip));
  kvm.Set("createPit2", Napi::Function::New(env, CreatePit2));
  kvm.Set("irqLine", Napi::Function::New(env, IrqLine));
  kvm.Set("signalMsi", Napi::Function::New(env, SignalMsi));
  kvm.Set("eventfd", Napi::Function::New(env, EventFd));
  kvm.Set("ioeventfd", Napi::Function::New(env, IoEventFd));
  kvm.Set("irqfd", Napi::Function::New(env, IrqFd));
  kvm.Set("guestMemory", Napi::Function::New(env, GuestMemory));
  kvm.Set("discardGuestMemory", Napi::Function::New(env, DiscardGuestMemory));
  kvm.Set("createVcpu", Napi::Function::New(env, CreateVcpu));
  kvm.Set("runArea", Napi::Function::New(env, RunArea));
  kvm.Set("getRegs", Napi::Function::New(env, GetRegs));
  kvm.Set("setRegs", Napi::Function::New(env, SetRegs));
  kvm.Set("getSregs", Napi::Function::New(env, GetSregs));
  kvm.Set("setSregs", Napi::Function::New(env, SetSregs));
  kvm.Set("setCpuid2", Napi::Function::New(env, SetCpuid2));
  kvm.Set("setGsiRouting", Napi::Function::New(env, SetGsiRouting));
  kvm.Set("setMsrs", Napi::Function::New(env, SetMsrs));
  kvm.Set("setFpu", Napi::Function::New(env, SetFpu));
  kvm.Set("getLapic", Napi::Function::New(env, GetLapic));
  kvm.Set("setLapic", Napi::Function::New(env, SetLapic));
  kvm.Set("run", Napi::Function::New(env, Run));
  kvm.Set("vcpuThread", Napi::Function::New(env, VcpuThread));
  kvm.Set("kickEvery", Napi::Function::New(env, KickEvery));
  kvm.Set("stopKicks", Napi::Function::New(env, StopKicks));
  kvm.Set("kick", Napi::Function::New(env, Kick));
  kvm.Set("close", Napi::Function::New(env, Close));
  exports.Set("kvm", kvm);
}
