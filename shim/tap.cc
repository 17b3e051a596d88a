// The shim's network calls for the VMM's virtio NICs: open a tap (/dev/net/tun with the
// virtio-net header), move one frame between it and guest RAM at the ranges the core listed, set
// its offloads, wake vCPU 0 when a frame waits, and the netdev ioctls that set the tap up (MAC,
// MTU, up, into a bridge). Only taps this file opened are used, and the netdev calls act only on
// their interfaces. No policy: the core and the VMM decide names, addresses and offloads.
#include <napi.h>

#include "guest-ranges.h"
#include "system-error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

/** kvm.cc: interrupts the KVM_RUN of a thread that called vcpuThread(); false for any other thread. */
bool KickVcpuThread(pid_t tid);

namespace {

std::mutex tapsLock;
std::map<int, std::string> taps;  // descriptor → interface name, of the taps this file opened
int watcherEpoll = -1;

/** net_io's operations (core-wasm/host.ts). */
enum Op { kSend = 0, kReceive = 1 };
/** virtio_net_hdr_v1: what the guest's driver puts before each frame. */
constexpr int kVnetHeaderBytes = 12;

int Tap(const Napi::CallbackInfo &info, size_t i) {
  int fd = info[i].As<Napi::Number>().Int32Value();
  std::lock_guard<std::mutex> hold(tapsLock);
  if (taps.count(fd) == 0) throw SystemError(info.Env(), EBADF, "tap (not opened by the shim)", std::to_string(fd));
  return fd;
}

/** The interface name at argument i, which must be one of this file's taps. */
std::string TapName(const Napi::CallbackInfo &info, size_t i) {
  std::string name = info[i].As<Napi::String>().Utf8Value();
  std::lock_guard<std::mutex> hold(tapsLock);
  for (auto &tap : taps) {
    if (tap.second == name) return name;
  }
  throw SystemError(info.Env(), ENODEV, "netdev (not a tap of the shim)", name);
}

/** open(name) → {handle, name}: a tap (name may hold %d: the kernel numbers it), non-blocking, with 12-byte headers. */
Napi::Value Open(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name.size() >= IFNAMSIZ) throw SystemError(env, EINVAL, "TUNSETIFF", name);
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw SystemError(env, errno, "open", "/dev/net/tun");
  struct ifreq ifr {};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
  memcpy(ifr.ifr_name, name.c_str(), name.size());
  int header = kVnetHeaderBytes;
  const char *step = "TUNSETIFF";
  int rc = ioctl(fd, TUNSETIFF, &ifr);
  if (rc == 0) {
    step = "TUNSETVNETHDRSZ";
    rc = ioctl(fd, TUNSETVNETHDRSZ, &header);
  }
  if (rc < 0) {
    int err = errno;
    close(fd);
    throw SystemError(env, err, step, name);
  }
  std::string actual(ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ));
  {
    std::lock_guard<std::mutex> hold(tapsLock);
    taps[fd] = actual;
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("handle", Napi::Number::New(env, fd));
  result.Set("name", Napi::String::New(env, actual));
  return result;
}

/** close(handle): the tap goes (a tap the kernel made for it disappears, leaving its bridge). */
Napi::Value Close(const Napi::CallbackInfo &info) {
  int fd = Tap(info, 0);
  {
    std::lock_guard<std::mutex> hold(tapsLock);
    taps.erase(fd);
  }
  if (watcherEpoll >= 0) epoll_ctl(watcherEpoll, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  return info.Env().Undefined();
}

/** io(op, handle, ram, iovecs, count): sends (writev) or receives (readv) one frame; bytes or -errno (-EAGAIN: none). */
Napi::Value Io(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int op = info[0].As<Napi::Number>().Int32Value();
  int fd = Tap(info, 1);
  std::vector<iovec> iov;
  if (op != kSend && op != kReceive) return Napi::Number::New(env, -EINVAL);
  if (!GuestIovecsOf(info[2].As<Napi::ArrayBuffer>(), info[3].As<Napi::Uint8Array>(), info[4].As<Napi::Number>().Uint32Value(), iov)) {
    return Napi::Number::New(env, -EFAULT);
  }
  ssize_t n;
  do n = op == kSend ? writev(fd, iov.data(), iov.size()) : readv(fd, iov.data(), iov.size());
  while (n < 0 && errno == EINTR);
  return Napi::Number::New(env, n < 0 ? -errno : static_cast<double>(n));
}

/** setOffload(handle, flags): TUNSETOFFLOAD (TUN_F_* bits: what the tap may hand over unfinished). */
Napi::Value SetOffload(const Napi::CallbackInfo &info) {
  int fd = Tap(info, 0);
  unsigned flags = info[1].As<Napi::Number>().Uint32Value();
  if (ioctl(fd, TUNSETOFFLOAD, flags) < 0) throw SystemError(info.Env(), errno, "TUNSETOFFLOAD", std::to_string(fd));
  return info.Env().Undefined();
}

/** The watcher thread: each tap armed by watch() kicks its vCPU thread once, when a frame waits. */
void Watch() {
  epoll_event events[16];
  for (;;) {
    int n = epoll_wait(watcherEpoll, events, 16, -1);
    for (int i = 0; i < n; i++) KickVcpuThread(static_cast<pid_t>(events[i].data.u64 >> 32));
  }
}

/** watch(handle, threadId): kicks that vCPU thread once the tap has a frame (one shot: watch again after draining). */
Napi::Value WatchTap(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = Tap(info, 0);
  pid_t tid = info[1].As<Napi::Number>().Int32Value();
  static std::once_flag started;
  std::call_once(started, [] {
    watcherEpoll = epoll_create1(EPOLL_CLOEXEC);
    if (watcherEpoll >= 0) std::thread(Watch).detach();
  });
  if (watcherEpoll < 0) throw SystemError(env, ENOMEM, "epoll_create1", "");
  epoll_event event{};
  event.events = EPOLLIN | EPOLLONESHOT;
  event.data.u64 = (static_cast<uint64_t>(tid) << 32) | static_cast<uint32_t>(fd);
  int rc = epoll_ctl(watcherEpoll, EPOLL_CTL_MOD, fd, &event);
  if (rc < 0 && errno == ENOENT) rc = epoll_ctl(watcherEpoll, EPOLL_CTL_ADD, fd, &event);
  if (rc < 0) throw SystemError(env, errno, "epoll_ctl", std::to_string(fd));
  return env.Undefined();
}

/** One netdev ioctl on an AF_INET socket, as ip(8) does them. */
void NetdevIoctl(Napi::Env env, unsigned long request, struct ifreq &ifr, const char *what) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) throw SystemError(env, errno, "socket", "AF_INET");
  int rc = ioctl(s, request, &ifr);
  int err = errno;
  close(s);
  if (rc < 0) throw SystemError(env, err, what, ifr.ifr_name);
}

struct ifreq Request(const std::string &name) {
  struct ifreq ifr {};
  memcpy(ifr.ifr_name, name.c_str(), name.size() < IFNAMSIZ ? name.size() : IFNAMSIZ - 1);
  return ifr;
}

/** setUp(name): the tap's link up (SIOCSIFFLAGS with IFF_UP). */
Napi::Value SetUp(const Napi::CallbackInfo &info) {
  struct ifreq ifr = Request(TapName(info, 0));
  NetdevIoctl(info.Env(), SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP;
  NetdevIoctl(info.Env(), SIOCSIFFLAGS, ifr, "SIOCSIFFLAGS");
  return info.Env().Undefined();
}

/** setMtu(name, mtu): SIOCSIFMTU. */
Napi::Value SetMtu(const Napi::CallbackInfo &info) {
  struct ifreq ifr = Request(TapName(info, 0));
  ifr.ifr_mtu = info[1].As<Napi::Number>().Int32Value();
  NetdevIoctl(info.Env(), SIOCSIFMTU, ifr, "SIOCSIFMTU");
  return info.Env().Undefined();
}

/** setMac(name, bytes): SIOCSIFHWADDR with a 6-byte Ethernet address. */
Napi::Value SetMac(const Napi::CallbackInfo &info) {
  struct ifreq ifr = Request(TapName(info, 0));
  Napi::Uint8Array mac = info[1].As<Napi::Uint8Array>();
  if (mac.ByteLength() != 6) throw SystemError(info.Env(), EINVAL, "SIOCSIFHWADDR", ifr.ifr_name);
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  memcpy(ifr.ifr_hwaddr.sa_data, mac.Data(), 6);
  NetdevIoctl(info.Env(), SIOCSIFHWADDR, ifr, "SIOCSIFHWADDR");
  return info.Env().Undefined();
}

/** addToBridge(bridge, name): the tap becomes a port of the bridge (SIOCBRADDIF). */
Napi::Value AddToBridge(const Napi::CallbackInfo &info) {
  std::string bridge = info[0].As<Napi::String>().Utf8Value();
  std::string name = TapName(info, 1);
  struct ifreq ifr = Request(bridge);
  ifr.ifr_ifindex = static_cast<int>(if_nametoindex(name.c_str()));
  if (ifr.ifr_ifindex == 0) throw SystemError(info.Env(), errno, "if_nametoindex", name);
  NetdevIoctl(info.Env(), SIOCBRADDIF, ifr, "SIOCBRADDIF");
  return info.Env().Undefined();
}

}  // namespace

/** A tap this file opened (vhost.cc takes only these as backends). */
bool IsShimTap(int fd) {
  std::lock_guard<std::mutex> hold(tapsLock);
  return taps.count(fd) != 0;
}

void RegisterTap(Napi::Env env, Napi::Object exports) {
  Napi::Object tap = Napi::Object::New(env);
  tap.Set("open", Napi::Function::New(env, Open));
  tap.Set("close", Napi::Function::New(env, Close));
  tap.Set("io", Napi::Function::New(env, Io));
  tap.Set("setOffload", Napi::Function::New(env, SetOffload));
  tap.Set("watch", Napi::Function::New(env, WatchTap));
  tap.Set("setUp", Napi::Function::New(env, SetUp));
  tap.Set("setMtu", Napi::Function::New(env, SetMtu));
  tap.Set("setMac", Napi::Function::New(env, SetMac));
  tap.Set("addToBridge", Napi::Function::New(env, AddToBridge));
  exports.Set("tap", tap);
}
