// virtkit's native shim: thin wrappers over privileged system calls, no policy. Each call does
// one thing and turns a failure into a JS Error carrying errno's code, the call and the path.
// Allowlists: cgroup operations only below /sys/fs/cgroup/, process spawning only of the
// container supervisor built beside this addon, closing only descriptors this shim opened
// (lock files, ptys), dropping resident pages only where every one is a file's page (never memory
// the process wrote). The one call on a descriptor the shim did not open reads a unix socket's
// peer (getsockopt, which changes nothing; virtkitd's clients, accepted by Node).
#include <napi.h>

#include "system-error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <pty.h>
#include <stdlib.h>
#include <linux/bpf.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

extern char **environ;

void RegisterKvm(Napi::Env env, Napi::Object exports);
void RegisterDisk(Napi::Env env, Napi::Object exports);
void RegisterTap(Napi::Env env, Napi::Object exports);
void RegisterVhost(Napi::Env env, Napi::Object exports);

namespace {

constexpr const char *kShimVersion = "0.3.0";
constexpr const char *kCgroupRoot = "/sys/fs/cgroup/";
constexpr const char *kSupervisor = "/virtkit-lxc-supervisor";

std::set<int> ownFds;  // descriptors this shim opened and may close

std::string CgroupPath(const Napi::CallbackInfo &info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.rfind(kCgroupRoot, 0) != 0 || path.find("/..") != std::string::npos) {
    throw SystemError(info.Env(), EPERM, "cgroup path outside /sys/fs/cgroup", path);
  }
  return path;
}

Napi::Value Version(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), kShimVersion);
}

// ---- cgroup files ---------------------------------------------------------------------------------

Napi::Value CgroupMkdir(const Napi::CallbackInfo &info) {
  std::string path = CgroupPath(info);
  if (mkdir(path.c_str(), 0755) < 0 && errno != EEXIST) throw SystemError(info.Env(), errno, "mkdir", path);
  return info.Env().Undefined();
}

Napi::Value CgroupRmdir(const Napi::CallbackInfo &info) {
  std::string path = CgroupPath(info);
  if (rmdir(path.c_str()) < 0 && errno != ENOENT) throw SystemError(info.Env(), errno, "rmdir", path);
  return info.Env().Undefined();
}

Napi::Value CgroupWrite(const Napi::CallbackInfo &info) {
  std::string path = CgroupPath(info);
  std::string value = info[1].As<Napi::String>().Utf8Value();
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw SystemError(info.Env(), errno, "open", path);
  ssize_t n = write(fd, value.data(), value.size());
  int err = errno;
  close(fd);
  if (n != (ssize_t)value.size()) throw SystemError(info.Env(), n < 0 ? err : EIO, "write", path);
  return info.Env().Undefined();
}

Napi::Value CgroupRead(const Napi::CallbackInfo &info) {
  std::string path = CgroupPath(info);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw SystemError(info.Env(), errno, "open", path);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, n);
  int err = errno;
  close(fd);
  if (n < 0) throw SystemError(info.Env(), err, "read", path);
  return Napi::String::New(info.Env(), text);
}

/**
 * Loads a BPF_PROG_TYPE_CGROUP_DEVICE program (the eBPF instructions as given) and attaches it
 * (BPF_CGROUP_DEVICE, no flags: groups below cannot replace it) to the cgroup directory; the
 * attachment holds the program until the group is removed.
 */
Napi::Value CgroupAttachDeviceProgram(const Napi::CallbackInfo &info) {
  std::string path = CgroupPath(info);
  Napi::Uint8Array insns = info[1].As<Napi::Uint8Array>();
  union bpf_attr load = {};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(insns.Data());
  load.insn_cnt = insns.ByteLength() / sizeof(struct bpf_insn);
  load.license = reinterpret_cast<uint64_t>("GPL");
  int prog = syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
  if (prog < 0) throw SystemError(info.Env(), errno, "bpf(BPF_PROG_LOAD)", path);
  int dir = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  union bpf_attr attach = {};
  attach.target_fd = dir;
  attach.attach_bpf_fd = prog;
  attach.attach_type = BPF_CGROUP_DEVICE;
  int rc = dir < 0 ? -1 : syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach);
  int err = errno;
  if (dir >= 0) close(dir);
  close(prog);
  if (rc < 0) throw SystemError(info.Env(), err, dir < 0 ? "open" : "bpf(BPF_PROG_ATTACH)", path);
  return info.Env().Undefined();
}

// ---- locks -----------------------------------------------------------------------------------------

/** Opens (creating) path and takes flock(LOCK_EX | LOCK_NB); returns the fd, or null when held. */
Napi::Value LockFile(const Napi::CallbackInfo &info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  // never through a symbolic link planted as the lock file
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw SystemError(info.Env(), errno, "open", path);
  if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) return info.Env().Null();
    throw SystemError(info.Env(), err, "flock", path);
  }
  ownFds.insert(fd);
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value CloseFd(const Napi::CallbackInfo &info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (ownFds.erase(fd) == 0) throw SystemError(info.Env(), EBADF, "close (not opened by the shim)", std::to_string(fd));
  close(fd);
  return info.Env().Undefined();
}

/**
 * A pseudo-terminal for a guest's serial line: openpty, raw mode (no echo, no line editing: the
 * guest's own tty does that), both ends close-on-exec; returns { master, slave, path }.
 */
Napi::Value OpenPty(const Napi::CallbackInfo &info) {
  int master, slave;
  if (openpty(&master, &slave, nullptr, nullptr, nullptr) < 0) throw SystemError(info.Env(), errno, "openpty", "");
  struct termios raw;
  if (tcgetattr(slave, &raw) == 0) {
    cfmakeraw(&raw);
    tcsetattr(slave, TCSANOW, &raw);
  }
  fcntl(master, F_SETFD, FD_CLOEXEC);
  fcntl(slave, F_SETFD, FD_CLOEXEC);
  ownFds.insert(master);
  ownFds.insert(slave);
  Napi::Object pty = Napi::Object::New(info.Env());
  pty.Set("master", master);
  pty.Set("slave", slave);
  pty.Set("path", ptsname(master));
  return pty;
}

// ---- resident memory ---------------------------------------------------------------------------------

/**
 * madvise(MADV_DONTNEED) on [start, start + length) of this process's own mappings, refused unless
 * /proc/self/pagemap shows every resident page there as a file's page: those stay in the page cache
 * and come back on the next touch, while a private copy (written, or swapped out) would be lost.
 */
Napi::Value DropFilePages(const Napi::CallbackInfo &info) {
  uint64_t start = info[0].As<Napi::Number>().Int64Value(), length = info[1].As<Napi::Number>().Int64Value();
  const uint64_t page = sysconf(_SC_PAGESIZE), kPresent = 1ull << 63, kSwapped = 1ull << 62, kFilePage = 1ull << 61;
  std::string range = std::to_string(start) + "+" + std::to_string(length);
  if (start % page != 0 || length % page != 0) throw SystemError(info.Env(), EINVAL, "madvise", range);
  int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw SystemError(info.Env(), errno, "open", "/proc/self/pagemap");
  std::vector<uint64_t> entries(length / page);
  ssize_t n = pread(fd, entries.data(), entries.size() * 8, start / page * 8);
  int err = errno;
  close(fd);
  if (n != (ssize_t)entries.size() * 8) throw SystemError(info.Env(), n < 0 ? err : EIO, "pread", "/proc/self/pagemap");
  for (uint64_t e : entries) {
    if ((e & kSwapped) || ((e & kPresent) && !(e & kFilePage))) throw SystemError(info.Env(), EPERM, "madvise (a page of private memory)", range);
  }
  if (madvise(reinterpret_cast<void *>(start), length, MADV_DONTNEED) < 0) throw SystemError(info.Env(), errno, "madvise", range);
  return info.Env().Undefined();
}

// ---- spawning the supervisor -------------------------------------------------------------------------

/** The supervisors this process spawned and has not reaped: the only children reapSupervisors waits for. */
std::set<pid_t> spawnedSupervisors;

/**
 * posix_spawn (vfork-style: the Node heap is never copied) of the container supervisor in a new
 * session, stdio on /dev/null and fd 3 the write end of a pipe; returns { pid, reportFd }.
 */
Napi::Value SpawnSupervisor(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.size() < strlen(kSupervisor) || path.compare(path.size() - strlen(kSupervisor), std::string::npos, kSupervisor) != 0) {
    throw SystemError(env, EPERM, "spawn (only the container supervisor)", path);
  }
  Napi::Array args = info[1].As<Napi::Array>();
  std::vector<std::string> strings;
  for (uint32_t i = 0; i < args.Length(); i++) strings.push_back(args.Get(i).As<Napi::String>().Utf8Value());
  std::vector<char *> argv;
  for (std::string &s : strings) argv.push_back(const_cast<char *>(s.c_str()));
  argv.push_back(nullptr);

  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) throw SystemError(env, errno, "pipe2", path);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, report[1], 3);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid;
  int rc = posix_spawn(&pid, path.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(report[1]);
  if (rc != 0) {
    close(report[0]);
    throw SystemError(env, rc, "posix_spawn", path);
  }
  spawnedSupervisors.insert(pid);
  Napi::Object result = Napi::Object::New(env);
  result.Set("pid", Napi::Number::New(env, pid));
  result.Set("reportFd", Napi::Number::New(env, report[0]));
  return result;
}

/** waitpid(WNOHANG) on each supervisor this process spawned: the ended ones leave no zombie. Returns how many. */
Napi::Value ReapSupervisors(const Napi::CallbackInfo &info) {
  int reaped = 0;
  for (auto it = spawnedSupervisors.begin(); it != spawnedSupervisors.end();) {
    pid_t r = waitpid(*it, nullptr, WNOHANG);
    bool gone = r == *it || (r < 0 && errno == ECHILD);
    reaped += gone ? 1 : 0;
    it = gone ? spawnedSupervisors.erase(it) : std::next(it);
  }
  return Napi::Number::New(info.Env(), reaped);
}

// ---- unix socket peers ------------------------------------------------------------------------

/** SO_PEERCRED of a connected unix socket: the pid, uid and gid of the process at the other end. */
Napi::Value PeerCredentials(const Napi::CallbackInfo &info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  int domain = 0;
  socklen_t length = sizeof domain;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) < 0) throw SystemError(info.Env(), errno, "getsockopt(SO_DOMAIN)", std::to_string(fd));
  if (domain != AF_UNIX) throw SystemError(info.Env(), EPROTOTYPE, "getsockopt(SO_PEERCRED) of a socket that is not a unix socket", std::to_string(fd));
  struct ucred peer = {};
  length = sizeof peer;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) < 0) throw SystemError(info.Env(), errno, "getsockopt(SO_PEERCRED)", std::to_string(fd));
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("pid", Napi::Number::New(info.Env(), peer.pid));
  result.Set("uid", Napi::Number::New(info.Env(), peer.uid));
  result.Set("gid", Napi::Number::New(info.Env(), peer.gid));
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("cgroupMkdir", Napi::Function::New(env, CgroupMkdir));
  exports.Set("cgroupRmdir", Napi::Function::New(env, CgroupRmdir));
  exports.Set("cgroupWrite", Napi::Function::New(env, CgroupWrite));
  exports.Set("cgroupRead", Napi::Function::New(env, CgroupRead));
  exports.Set("cgroupAttachDeviceProgram", Napi::Function::New(env, CgroupAttachDeviceProgram));
  exports.Set("lockFile", Napi::Function::New(env, LockFile));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd));
  exports.Set("openPty", Napi::Function::New(env, OpenPty));
  exports.Set("dropFilePages", Napi::Function::New(env, DropFilePages));
  exports.Set("spawnSupervisor", Napi::Function::New(env, SpawnSupervisor));
  exports.Set("reapSupervisors", Napi::Function::New(env, ReapSupervisors));
  exports.Set("peerCredentials", Napi::Function::New(env, PeerCredentials));
  RegisterKvm(env, exports);
  RegisterDisk(env, exports);
  RegisterTap(env, exports);
  RegisterVhost(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(vshim, Init)
