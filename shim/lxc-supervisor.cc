// virtkit-lxc-supervisor: the small process that stays with one container (libvirt's
// libvirt_lxc, podman's conmon). It carries out the plan core.wasm wrote for the domain, step by
// step, with no policy of its own: clone into the listed namespaces, join the listed cgroups,
// perform the listed mounts and identity changes in the child, exec init. Then it holds the
// console pty, reaps init, follows the plan's on_poweroff/on_reboot/on_crash actions, answers
// the control socket (destroy, shutdown, console) and records how the domain ended.
//
// Usage: virtkit-lxc-supervisor PLAN_FILE   (fd 3: where "ok PID" or "error ..." is reported)
// docs/control-protocol.md gives the plan file, the report, the control socket and the status file.
// Built static and C-like: it must start in about a millisecond and stay under 1 MiB of RSS.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <termios.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string>
#include <vector>
#include "container-net.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
constexpr uint64_t MOUNT_ATTR_RDONLY_FLAG = 0x00000001;
constexpr unsigned AT_RECURSIVE_FLAG = 0x8000;

namespace {

using Fields = std::vector<std::string>;

struct Plan {
  std::vector<Fields> steps;  // every line, in order (child steps and supervisor directives)
  unsigned long cloneFlags = 0;
  std::string instance, control, status;  // the instance's token names its files (socket, status)
  std::vector<std::string> cgroups;  // cgroup directories init joins (and that are removed at the end)
  std::vector<std::string> cleanupDirs;  // empty directories removed when the container ends
  std::vector<Fields> uidMap, gidMap;
  Fields thaw;  // file, value: written on destroy so a frozen container can die
  std::vector<Fields> veths;  // "veth BRIDGE GUEST MAC": a pair made before init goes on
  bool console = false;
  std::string onPoweroff = "destroy", onReboot = "restart", onCrash = "destroy";
};

Plan plan;
int readyFd = 3;
int ptyMaster = -1, ptySlave = -1;
int nullFd = -1;  // the host's /dev/null, opened before the container's root hides it
std::string ptyName;
std::string hostLinks;  // the veths' outside ends, comma-separated, in <interface> order
pid_t initPid = -1;
int initPidfd = -1;
int listenFd = -1;
int consoleClient = -1;
int destroyClient = -1;
std::string requested;  // "destroy", "shutdown" or "reboot": what the next exit of init means

// ---- the plan file ------------------------------------------------------------------------------

std::string unescape(const std::string &s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char c = s[++i];
      out += c == 't' ? '\t' : c == 'n' ? '\n' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool readPlan(const char *path) {
  FILE *f = fopen(path, "re");
  if (!f) return false;
  char *line = nullptr;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0) {
    if (line[n - 1] == '\n') line[--n] = 0;
    if (n == 0) continue;
    Fields fields;
    std::string cur;
    for (ssize_t i = 0; i <= n; i++) {
      if (i == n || line[i] == '\t') {
        fields.push_back(unescape(cur));
        cur.clear();
      } else {
        cur += line[i];
      }
    }
    plan.steps.push_back(fields);
  }
  free(line);
  fclose(f);
  for (const Fields &s : plan.steps) {
    const std::string &k = s[0];
    if (k == "clone") {
      for (size_t i = 1; i < s.size(); i++) {
        const std::string &ns = s[i];
        plan.cloneFlags |= ns == "mnt" ? CLONE_NEWNS : ns == "uts" ? CLONE_NEWUTS : ns == "ipc" ? CLONE_NEWIPC : ns == "pid" ? CLONE_NEWPID
                         : ns == "net" ? CLONE_NEWNET : ns == "user" ? CLONE_NEWUSER : ns == "cgroup" ? CLONE_NEWCGROUP : 0;
      }
    } else if (k == "instance" && s.size() > 1) {
      plan.instance = s[1];
    } else if (k == "control" && s.size() > 1) {
      plan.control = s[1];
    } else if (k == "status" && s.size() > 1) {
      plan.status = s[1];
    } else if (k == "cgroup" && s.size() > 1) {
      plan.cgroups.push_back(s[1]);
    } else if (k == "uid_map") {
      plan.uidMap.push_back(s);
    } else if (k == "gid_map") {
      plan.gidMap.push_back(s);
    } else if (k == "veth" && s.size() > 3) {
      plan.veths.push_back(s);
    } else if (k == "thaw" && s.size() > 2) {
      plan.thaw = s;
    } else if (k == "console") {
      plan.console = true;
    } else if (k == "cleanup-dir" && s.size() > 1) {
      plan.cleanupDirs.push_back(s[1]);
    } else if (k == "on_poweroff" && s.size() > 1) {
      plan.onPoweroff = s[1];
    } else if (k == "on_reboot" && s.size() > 1) {
      plan.onReboot = s[1];
    } else if (k == "on_crash" && s.size() > 1) {
      plan.onCrash = s[1];
    }
  }
  return true;
}

// ---- small system helpers --------------------------------------------------------------------------

/** Cgroup files may only be written below the cgroup mount. */
bool underCgroupMount(const std::string &path) {
  return path.rfind("/sys/fs/cgroup/", 0) == 0 && path.find("/../") == std::string::npos;
}

bool writeFile(const std::string &path, const std::string &text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == (ssize_t)text.size();
  int saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

/**
 * This process's start time (field 22 of /proc/self/stat, clock ticks since boot), or -1: with
 * its pid it names this process for good (a pid may be reused once it ends, not with this time).
 */
long long startTicks() {
  FILE *f = fopen("/proc/self/stat", "re");
  if (!f) return -1;
  char buf[1024];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  const char *p = strrchr(buf, ')');
  for (int field = 2; p && field < 22; field++) p = strchr(p + 1, ' ');
  return p ? atoll(p + 1) : -1;
}

/**
 * Writes this instance's status file through a temporary file and a rename: readers never see
 * half of it. Both names are this instance's own (its token is in them): a file of that name is
 * a leftover of this process's own write, never another's, and is replaced; a link is not
 * followed (O_NOFOLLOW), and the file is created afresh (O_EXCL) with mode 0600.
 */
void recordStatus(const char *state, const char *reason, const std::string &detail) {
  if (plan.status.empty()) return;
  static const long long started = startTicks();
  std::string temp = plan.status + ".tmp";
  unlink(temp.c_str());
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  FILE *f = fdopen(fd, "w");
  if (!f) {
    close(fd);
    return;
  }
  fprintf(f, "supervisor %d\n", (int)getpid());
  if (started >= 0) fprintf(f, "started %lld\n", started);  // without it, readers go by the pid alone
  if (!plan.instance.empty()) fprintf(f, "instance %s\n", plan.instance.c_str());
  fprintf(f, "init %d\nstate %s\nreason %s\n", (int)initPid, state, reason);
  if (!ptyName.empty()) fprintf(f, "pty %s\n", ptyName.c_str());
  if (!hostLinks.empty()) fprintf(f, "taps %s\n", hostLinks.c_str());
  if (!detail.empty()) fprintf(f, "detail %s\n", detail.c_str());
  fflush(f);
  fsync(fileno(f));
  fclose(f);
  rename(temp.c_str(), plan.status.c_str());
}

/** A start that failed leaves no status file (this instance's own). */
void removeStatus() {
  if (!plan.status.empty()) unlink(plan.status.c_str());
}

void report(const std::string &line) {
  if (readyFd < 0) return;
  std::string text = line + "\n";
  (void)!write(readyFd, text.data(), text.size());
}

// ---- the child: from clone to execve -------------------------------------------------------------

/** Runs in the child. Reports the failing step and errno on errPipe, then exits. */
[[noreturn]] void childFail(int errPipe, size_t step) {
  char buf[64];
  int len = snprintf(buf, sizeof buf, "%zu\t%d\n", step, errno);
  (void)!write(errPipe, buf, len);
  _exit(127);
}

unsigned long mountFlags(const std::string &list) {
  unsigned long flags = 0;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string f = list.substr(start, end - start);
    flags |= f == "ro" ? MS_RDONLY : f == "nosuid" ? MS_NOSUID : f == "nodev" ? MS_NODEV : f == "noexec" ? MS_NOEXEC
           : f == "bind" ? MS_BIND : f == "rec" ? MS_REC : f == "remount" ? MS_REMOUNT : f == "private" ? MS_PRIVATE
           : f == "relatime" ? MS_RELATIME : f == "strictatime" ? MS_STRICTATIME : 0;
    start = end + 1;
  }
  return flags;
}

/**
 * Makes a bind mount read-only, keeping the flags it has: inside a user namespace the kernel
 * refuses a remount that would drop the locked ones (nosuid, nodev, noexec, atime).
 */
int remountReadOnly(const char *target, unsigned long rec) {
  if (rec) {
    // the whole tree: mount_setattr (Linux 5.12) makes every mount below read-only too
    struct { uint64_t set, clr, propagation, userns; } attr = {MOUNT_ATTR_RDONLY_FLAG, 0, 0, 0};
    if (syscall(SYS_mount_setattr, AT_FDCWD, target, AT_RECURSIVE_FLAG, &attr, sizeof attr) == 0) return 0;
    if (errno != ENOSYS) return -1;
  }
  struct statvfs st;
  if (statvfs(target, &st) < 0) return -1;
  unsigned long keep = 0;
  if (st.f_flag & ST_NOSUID) keep |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) keep |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) keep |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) keep |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) keep |= MS_RELATIME;
  return mount(nullptr, target, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | rec | keep, nullptr);
}

// ---- paths inside the container's root ------------------------------------------------------------
// A step's path that does not begin with '/' names a place inside the container's root: the
// directory of the last "root" line, resolved as if it were "/" (symlinks and ".." never leave it,
// magic links are refused), afresh for each step so that it sees the mounts made so far. Objects
// are created in the resolved parent directory (mkdirat, openat with O_EXCL|O_NOFOLLOW, symlinkat)
// and mounts made onto the resolved descriptor itself (/proc/self/fd/N reaches the object).

std::string rootDir;  // the last "root" line's directory ("" before it: relative paths fail)

/**
 * Without openat2 (Linux < 5.6): walks path from dirfd one component at a time without following
 * symlinks, and refuses a symlink or ".." (ELOOP, EXDEV) where openat2 would keep it in the root.
 */
int walkRefusingLinks(int dirfd, const std::string &path, int flags) {
  int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  size_t start = 0;
  while (fd >= 0 && start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string name = path.substr(start, end - start);
    start = end + 1;
    if (name.empty() || name == ".") continue;
    int next = -1;
    struct stat st;
    if (name == "..") {
      errno = EXDEV;
    } else if ((next = openat(fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC)) >= 0 && fstat(next, &st) == 0 && S_ISLNK(st.st_mode)) {
      close(next);
      next = -1;
      errno = ELOOP;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    fd = next;
  }
  struct stat st;
  if (fd >= 0 && (flags & O_DIRECTORY) && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))) {
    close(fd);
    errno = ENOTDIR;
    fd = -1;
  }
  return fd;
}

/** An O_PATH descriptor of path resolved inside the root (flags: O_DIRECTORY, O_NOFOLLOW), or -1. */
int resolveInRoot(const std::string &path, int flags) {
  if (rootDir.empty()) {
    errno = EINVAL;
    return -1;
  }
  int root = open(rootDir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return -1;
  struct open_how how{};
  how.flags = O_PATH | O_CLOEXEC | (unsigned)flags;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = -1;
  // EAGAIN: a rename or mount elsewhere raced the lookup; it is safe to try again
  for (int attempt = 0; attempt < 16 && (fd = (int)syscall(SYS_openat2, root, path.c_str(), &how, sizeof how)) < 0 && errno == EAGAIN; attempt++) {}
  if (fd < 0 && errno == ENOSYS) fd = walkRefusingLinks(root, path, flags);
  int saved = errno;
  close(root);
  errno = saved;
  return fd;
}

/** A step's path ready for a system call: a host path as written, or an in-root one resolved. */
struct Place {
  int fd = -1;       // the resolved descriptor (in-root), closed with the place
  std::string path;  // what to pass for the path: the host path, or /proc/self/fd/N
  Place() = default;
  Place(const Place &) = delete;
  ~Place() {
    if (fd >= 0) close(fd);
  }
  /** Resolves p (flags as resolveInRoot's); false with errno set when it cannot. */
  bool at(const std::string &p, int flags = 0) {
    if (fd >= 0) close(fd);
    fd = -1;
    if (!p.empty() && p[0] == '/') {
      path = p;
      return true;
    }
    fd = resolveInRoot(p, flags);
    path = "/proc/self/fd/" + std::to_string(fd);
    return fd >= 0;
  }
};

/**
 * Where a step creates p: its parent directory (resolved in the root for an in-root p; the working
 * directory's descriptor for a host path) and the name to create there.
 */
struct Parent {
  Place dir;
  int fd = AT_FDCWD;
  std::string name;
  bool at(const std::string &p) {
    std::string path = p;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (!path.empty() && path[0] == '/') {
      name = path;
      return true;
    }
    size_t slash = path.rfind('/');
    name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (!dir.at(slash == std::string::npos ? "." : path.substr(0, slash), O_DIRECTORY)) return false;
    fd = dir.fd;
    return true;
  }
};

/**
 * Binds source over target (each a host path, or one inside the root), then, when readOnly, makes
 * the new mount read-only: target is resolved again, as the descriptor from before the bind names
 * what the bind now covers.
 */
int bindOver(const std::string &source, const std::string &target, bool readOnly, unsigned long rec) {
  Place from, to;
  if (!from.at(source) || !to.at(target)) return -1;
  if (mount(from.path.c_str(), to.path.c_str(), nullptr, MS_BIND | rec, nullptr) < 0) return -1;
  if (!readOnly) return 0;
  return to.at(target) ? remountReadOnly(to.path.c_str(), rec) : -1;
}

/**
 * Leaves init's bounding set with exactly the listed capability numbers (every other one the
 * kernel has is dropped) and empties the ambient and inheritable sets, so that exec grants
 * nothing beyond the list.
 */
int limitCapabilities(const Fields &s) {
  std::vector<bool> keep;
  for (size_t i = 1; i < s.size(); i++) {
    size_t c = strtoul(s[i].c_str(), nullptr, 10);
    if (c >= keep.size()) keep.resize(c + 1, false);
    keep[c] = true;
  }
  for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++) {
    if ((size_t)c < keep.size() && keep[c]) continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) return -1;
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return -1;  // EINVAL: before Linux 4.3
  __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) < 0) return -1;
  for (auto &d : data) d.inheritable = 0;
  return (int)syscall(SYS_capset, &header, data);
}

/** Installs the seccomp program given as the hex bytes of its sock_filter array. */
int installSeccomp(const char *hex) {
  size_t len = strlen(hex);
  if (len == 0 || len % (2 * sizeof(sock_filter)) != 0) {
    errno = EINVAL;
    return -1;
  }
  std::vector<sock_filter> filter(len / (2 * sizeof(sock_filter)));
  unsigned char *bytes = reinterpret_cast<unsigned char *>(filter.data());
  for (size_t i = 0; i < len / 2; i++) {
    char pair[3] = {hex[2 * i], hex[2 * i + 1], 0};
    char *end;
    bytes[i] = (unsigned char)strtoul(pair, &end, 16);
    if (*end) {
      errno = EINVAL;
      return -1;
    }
  }
  sock_fprog prog = {(unsigned short)filter.size(), filter.data()};
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

/** A container-net result as a step's: -1 with errno set, or 0. */
int netStep(int rc) {
  if (rc >= 0) return 0;
  errno = -rc;
  return -1;
}

[[noreturn]] void child(int goPipe, int errPipe) {
  char go;
  if (read(goPipe, &go, 1) != 1) _exit(127);  // the supervisor failed to set us up
  close(goPipe);
  std::vector<std::string> env;
  for (size_t i = 0; i < plan.steps.size(); i++) {
    const Fields &s = plan.steps[i];
    const std::string &k = s[0];
    auto arg = [&](size_t n) -> const char * { return n < s.size() ? s[n].c_str() : ""; };
    int rc = 0;
    if (k == "make-rprivate") {
      rc = mount("", "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
    } else if (k == "root") {
      rootDir = arg(1);
      int fd = open(arg(1), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      rc = fd < 0 ? -1 : close(fd);
    } else if (k == "bind") {
      rc = bindOver(arg(1), arg(2), std::string(arg(3)) == "1", std::string(arg(4)) == "1" ? MS_REC : 0);
    } else if (k == "mount") {
      Place to;
      rc = to.at(arg(3)) ? mount(arg(2), to.path.c_str(), arg(1), mountFlags(arg(4)), s.size() > 5 && !s[5].empty() ? arg(5) : nullptr) : -1;
    } else if (k == "mkdir") {
      Parent in;
      rc = in.at(arg(1)) ? mkdirat(in.fd, in.name.c_str(), (mode_t)strtol(arg(2), nullptr, 8)) : -1;
      if (rc < 0 && errno == EEXIST) rc = 0;  // what is there is resolved in the root by the next step
    } else if (k == "touch") {
      Parent in;
      int fd = in.at(arg(1)) ? openat(in.fd, in.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644) : -1;
      rc = fd < 0 ? (errno == EEXIST ? 0 : -1) : close(fd);
    } else if (k == "symlink") {
      Parent in;
      rc = in.at(arg(2)) ? symlinkat(arg(1), in.fd, in.name.c_str()) : -1;
    } else if (k == "console-bind") {
      Place to;
      rc = ptyName.empty() ? 0 : to.at(arg(1)) ? mount(ptyName.c_str(), to.path.c_str(), nullptr, MS_BIND, nullptr) : -1;
    } else if (k == "pivot") {
      // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves the new alone.
      rc = chdir(arg(1));
      if (rc == 0) rc = (int)syscall(SYS_pivot_root, ".", ".");
      if (rc == 0) rc = umount2(".", MNT_DETACH);
      if (rc == 0) rc = chdir("/");
    } else if (k == "hostname") {
      rc = sethostname(arg(1), strlen(arg(1)));
    } else if (k == "chdir") {
      rc = chdir(arg(1));
    } else if (k == "bounding-set") {
      rc = limitCapabilities(s);
    } else if (k == "seccomp") {
      rc = installSeccomp(arg(1));
    } else if (k == "readonly" || k == "mask") {
      // read-only: the path over itself with everything below it (readonly), or the host's
      // /dev/null over the file (mask); nothing where the path does not exist (this kernel's /proc)
      bool itself = k == "readonly";
      Place there;
      if (!there.at(arg(1))) rc = errno == ENOENT ? 0 : -1;
      else rc = bindOver(itself ? arg(1) : "/dev/null", arg(1), true, itself ? MS_REC : 0);
    } else if (k == "setgroups") {
      std::vector<gid_t> groups;
      for (size_t g = 1; g < s.size(); g++) groups.push_back((gid_t)strtoul(s[g].c_str(), nullptr, 10));
      rc = setgroups(groups.size(), groups.data());
    } else if (k == "setgid") {
      rc = setresgid(atoi(arg(1)), atoi(arg(1)), atoi(arg(1)));
    } else if (k == "setuid") {
      rc = setresuid(atoi(arg(1)), atoi(arg(1)), atoi(arg(1)));
    } else if (k == "no-new-privs") {
      rc = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    } else if (k == "stdio") {
      // The console (or /dev/null) as fds 0-2, in a new session with it as controlling terminal.
      rc = setsid() < 0 ? -1 : 0;
      int fd = ptySlave >= 0 ? ptySlave : nullFd;
      if (rc == 0 && fd < 0) rc = -1;
      if (rc == 0 && ptySlave >= 0) rc = ioctl(fd, TIOCSCTTY, 0);
      for (int target = 0; target < 3 && rc == 0; target++) rc = dup2(fd, target) < 0 ? -1 : 0;
    } else if (k == "env") {
      env.push_back(s.size() > 1 ? s[1] : "");
    } else if (k == "net-up") {
      rc = netStep(containernet::linkUp(arg(1)));
    } else if (k == "net-address") {
      rc = netStep(containernet::addAddress(arg(1), arg(2)));
    } else if (k == "net-route") {
      rc = netStep(containernet::addRoute(arg(1), arg(2), arg(3)));
    } else if (k == "exec") {
      std::vector<char *> argv;
      for (size_t a = 1; a < s.size(); a++) argv.push_back(const_cast<char *>(s[a].c_str()));
      argv.push_back(nullptr);
      std::vector<char *> envp;
      for (std::string &e : env) envp.push_back(const_cast<char *>(e.c_str()));
      envp.push_back(nullptr);
      execve(arg(1), argv.data(), envp.data());
      childFail(errPipe, i);
    }
    if (rc < 0) childFail(errPipe, i);
  }
  errno = ENOEXEC;
  childFail(errPipe, plan.steps.size());
}

// ---- starting init -----------------------------------------------------------------------------

std::string joinFields(const Fields &f) {
  std::string out;
  for (size_t i = 0; i < f.size(); i++) out += (i ? " " : "") + f[i];
  return out;
}

/**
 * An interface's veth pair: the inside end `guest` (MAC `mac`) made in init's network namespace,
 * the outside end the first free vnetN, on `bridge` ("" for none) and up. 0 or -errno.
 */
int makeVeth(const std::string &bridge, const std::string &guest, const std::string &mac, pid_t pid) {
  for (int n = 0; n < 4096; n++) {
    std::string host = "vnet" + std::to_string(n);
    int rc = containernet::createVeth(host.c_str(), guest.c_str(), mac.c_str(), pid);
    if (rc == -EEXIST) continue;  // another domain's (libvirt's counter skips names in use too)
    if (rc < 0) return rc;
    hostLinks += (hostLinks.empty() ? "" : ",") + host;
    return containernet::attachUp(host.c_str(), bridge.c_str());
  }
  return -EEXIST;
}

/** Clones and sets up init. Returns "" or what failed ("STEP\tERRNO"). */
std::string startInit() {
  int go[2], err[2];
  if (pipe2(go, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) return "pipe\t" + std::to_string(errno);
  pid_t pid = (pid_t)syscall(SYS_clone, plan.cloneFlags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) {
    int e = errno;
    close(go[0]), close(go[1]), close(err[0]), close(err[1]);
    return "clone\t" + std::to_string(e);
  }
  if (pid == 0) {
    close(go[1]);
    close(err[0]);
    child(go[0], err[1]);
  }
  close(go[0]);
  close(err[1]);
  std::string failure;
  auto writeMap = [&](const char *file, const std::vector<Fields> &maps) {
    if (maps.empty() || !failure.empty()) return;
    std::string text;
    for (const Fields &m : maps) text += m[1] + " " + m[2] + " " + m[3] + "\n";
    std::string path = "/proc/" + std::to_string(pid) + "/" + file;
    if (!writeFile(path, text)) failure = std::string(file) + "\t" + std::to_string(errno);
  };
  writeMap("uid_map", plan.uidMap);
  writeMap("gid_map", plan.gidMap);
  for (const std::string &dir : plan.cgroups) {
    if (!failure.empty()) break;
    if (!underCgroupMount(dir)) {
      failure = "cgroup " + dir + "\t" + std::to_string(EPERM);
    } else if (!writeFile(dir + "/cgroup.procs", std::to_string(pid))) {
      failure = "cgroup " + dir + "\t" + std::to_string(errno);
    }
  }
  for (const Fields &v : plan.veths) {
    if (!failure.empty()) break;
    int rc = makeVeth(v[1], v[2], v[3], pid);
    if (rc < 0) failure = "veth " + v[2] + "\t" + std::to_string(-rc);
  }
  if (failure.empty()) (void)!write(go[1], "g", 1);
  close(go[1]);
  char buf[128];
  ssize_t n = read(err[0], buf, sizeof buf - 1);
  close(err[0]);
  if (failure.empty() && n > 0) {
    buf[n] = 0;
    size_t step = strtoul(buf, nullptr, 10);
    const char *tab = strchr(buf, '\t');
    failure = (step < plan.steps.size() ? joinFields(plan.steps[step]) : std::string("exec")) + "\t" + (tab ? std::string(tab + 1, strcspn(tab + 1, "\n")) : "0");
  }
  if (!failure.empty()) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return failure;
  }
  initPid = pid;
  initPidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  return "";
}

void removeCgroups() {
  for (auto it = plan.cgroups.rbegin(); it != plan.cgroups.rend(); ++it) {
    if (!underCgroupMount(*it)) continue;
    // The last tasks may still be leaving the group: try a few times.
    for (int attempt = 0; attempt < 50 && rmdir(it->c_str()) < 0 && errno == EBUSY; attempt++) usleep(2000);
  }
}

// ---- after init exits ----------------------------------------------------------------------------

/** Reaps init; returns the reason libvirt would give (shutdown, destroyed, crashed) or "reboot". */
std::string reapInit(std::string &detail) {
  siginfo_t info{};
  waitid(P_PID, initPid, &info, WEXITED);
  if (initPidfd >= 0) close(initPidfd);
  initPidfd = -1;
  if (info.si_code == CLD_EXITED) {
    detail = "exit " + std::to_string(info.si_status);
  } else {
    detail = "signal " + std::to_string(info.si_status);
  }
  if (requested == "destroy") return "destroyed";
  if (requested == "reboot") return "reboot";
  if (requested == "shutdown") return "shutdown";
  // A reboot(2) inside a PID namespace ends init with SIGHUP (restart) or SIGINT (power off).
  if (info.si_code != CLD_EXITED && info.si_status == SIGHUP) return "reboot";
  if (info.si_code != CLD_EXITED && info.si_status == SIGINT) return "shutdown";
  if (info.si_code == CLD_EXITED && info.si_status == 0) return "shutdown";
  return "crashed";
}

void closeConsoleClient() {
  if (consoleClient >= 0) close(consoleClient);
  consoleClient = -1;
}

[[noreturn]] void finish(const char *reason, const std::string &detail) {
  removeCgroups();
  for (const std::string &dir : plan.cleanupDirs) rmdir(dir.c_str());
  if (!plan.control.empty()) unlink(plan.control.c_str());
  recordStatus("shutoff", reason, detail);
  if (destroyClient >= 0) (void)!write(destroyClient, "ok\n", 3);
  _exit(0);
}

void onInitExit() {
  std::string detail;
  std::string reason = reapInit(detail);
  std::string action = reason == "reboot" ? plan.onReboot : reason == "crashed" ? plan.onCrash : plan.onPoweroff;
  if (reason == "destroyed") action = "destroy";
  if (action == "restart" || action == "rename-restart") {
    requested.clear();
    std::string failure = startInit();
    if (failure.empty()) {
      recordStatus("running", "booted", "");
      return;
    }
    finish("failed", failure);
  }
  finish(reason == "reboot" ? "shutdown" : reason.c_str(), detail);
}

// ---- the control socket ----------------------------------------------------------------------------

void handleCommand(int client, const std::string &line) {
  if (line == "destroy") {
    requested = "destroy";
    destroyClient = client;
    kill(initPid, SIGKILL);
    if (!plan.thaw.empty() && underCgroupMount(plan.thaw[1])) writeFile(plan.thaw[1], plan.thaw[2]);
    return;  // answered once init is gone
  }
  if (line.rfind("shutdown ", 0) == 0) {
    requested = "shutdown";
    kill(initPid, atoi(line.c_str() + 9));
  } else if (line == "reboot") {
    requested = "reboot";
    kill(initPid, SIGKILL);
    if (!plan.thaw.empty() && underCgroupMount(plan.thaw[1])) writeFile(plan.thaw[1], plan.thaw[2]);
  } else if (line == "console" || line == "console force") {
    if (ptyMaster < 0) {
      (void)!write(client, "error no console\n", 17);
      close(client);
      return;
    }
    if (consoleClient >= 0 && line != "console force") {
      (void)!write(client, "error busy\n", 11);
      close(client);
      return;
    }
    closeConsoleClient();
    consoleClient = client;
    (void)!write(client, "ok\n", 3);
    return;
  } else if (line == "status") {
    std::string reply = "init " + std::to_string(initPid) + "\n";
    (void)!write(client, reply.data(), reply.size());
  } else {
    (void)!write(client, "error unknown command\n", 22);
  }
  close(client);
}

/** Reads one command line from a new client (they send it at once) and acts on it. */
void acceptClient() {
  int client = accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;
  char buf[256];
  ssize_t n = 0;
  struct pollfd p = {client, POLLIN, 0};
  if (poll(&p, 1, 1000) > 0) n = read(client, buf, sizeof buf - 1);
  if (n <= 0) {
    close(client);
    return;
  }
  buf[n] = 0;
  std::string line(buf, strcspn(buf, "\n"));
  handleCommand(client, line);
}

bool listenControl() {
  if (plan.control.empty()) return true;
  listenFd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listenFd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (plan.control.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return false;
  }
  strcpy(addr.sun_path, plan.control.c_str());
  unlink(plan.control.c_str());  // this instance's own name: only a leftover of itself
  // created with mode 0600 (bind makes the file; a chmod after it would follow a link)
  mode_t mask = umask(0177);
  int rc = bind(listenFd, (sockaddr *)&addr, sizeof addr);
  umask(mask);
  if (rc < 0) return false;
  return listen(listenFd, 8) == 0;
}

void relay(int from, int to) {
  char buf[4096];
  ssize_t n = read(from, buf, sizeof buf);
  if (n <= 0) {
    if (from == consoleClient) closeConsoleClient();
    return;
  }
  if (to >= 0) (void)!write(to, buf, n);
}

[[noreturn]] void serve() {
  for (;;) {
    struct pollfd fds[4];
    int n = 0;
    fds[n++] = {initPidfd, POLLIN, 0};
    int listenAt = listenFd >= 0 ? n : -1;
    if (listenFd >= 0) fds[n++] = {listenFd, POLLIN, 0};
    int ptyAt = ptyMaster >= 0 ? n : -1;
    if (ptyMaster >= 0) fds[n++] = {ptyMaster, POLLIN, 0};
    int clientAt = consoleClient >= 0 ? n : -1;
    if (consoleClient >= 0) fds[n++] = {consoleClient, POLLIN, 0};
    if (poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      _exit(1);
    }
    if (fds[0].revents) {
      onInitExit();
      continue;
    }
    if (listenAt >= 0 && fds[listenAt].revents) acceptClient();
    // Console output with nobody attached is dropped, as on a real serial line.
    if (ptyAt >= 0 && fds[ptyAt].revents) relay(ptyMaster, consoleClient);
    if (clientAt >= 0 && fds[clientAt].revents && consoleClient >= 0) relay(consoleClient, ptyMaster);
  }
}

}  // namespace

int main(int argc, char **argv) {
  // Nothing the spawner left open may reach the container: the report pipe closes on exec, and
  // every other inherited descriptor beyond stdio is closed.
  fcntl(readyFd, F_SETFD, FD_CLOEXEC);
  syscall(SYS_close_range, 4U, ~0U, 0U);
  if (argc < 2 || !readPlan(argv[1])) {
    report(std::string("error\tplan\t") + std::to_string(errno));
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  // Found by its status from the start: should the starter die before the report, whoever
  // adopts the start knows this process (pid and start time) and can end it.
  recordStatus("starting", "booting", "");
  nullFd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (plan.console) {
    if (openpty(&ptyMaster, &ptySlave, nullptr, nullptr, nullptr) < 0) {
      removeStatus();
      report("error\topenpty\t" + std::to_string(errno));
      return 1;
    }
    fcntl(ptyMaster, F_SETFD, FD_CLOEXEC);
    fcntl(ptySlave, F_SETFD, FD_CLOEXEC);  // dup2 in the child makes 0-2 survive exec
    ptyName = ttyname(ptySlave) ? ttyname(ptySlave) : "";
  }
  if (!listenControl()) {
    removeStatus();
    report("error\tcontrol socket " + plan.control + "\t" + std::to_string(errno));
    return 1;
  }
  std::string failure = startInit();
  if (!failure.empty()) {
    if (!plan.control.empty()) unlink(plan.control.c_str());
    removeStatus();
    report("error\t" + failure);
    return 1;
  }
  recordStatus("running", "booted", "");
  report("ok\t" + std::to_string(initPid) + "\t" + ptyName + "\t" + hostLinks);
  close(readyFd);
  readyFd = -1;
  // The supervisor keeps its own slave descriptor: the pty never hangs up while the guest's
  // processes come and go, and a restarted init gets the same console.
  serve();
}
