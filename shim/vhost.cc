// The shim's vhost-net calls: the kernel serves a virtio NIC's queues straight between guest RAM
// and the NIC's tap, so frames never pass through the VMM. Each wrapper is one ioctl on a
// /dev/vhost-net descriptor this file opened; ring addresses are guest-physical and checked to
// lie in the guest RAM buffer; kick and call descriptors must be the shim's eventfds (kvm.cc), a
// backend one of its taps (tap.cc). No policy: the core decides features, rings and when.
#include <napi.h>

#include "system-error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <string>

/** kvm.cc: an eventfd the shim made; tap.cc: a tap the shim opened. */
bool IsShimEventFd(int fd);
bool IsShimTap(int fd);

namespace {

// linux/vhost.h's structs and requests, spelled out here: its virtio_ring.h does not compile as C++.
constexpr unsigned kVhost = 0xAF;
constexpr int kUnbind = -1;
struct vhost_vring_state {
  unsigned int index, num;
};
struct vhost_vring_file {
  unsigned int index;
  int fd;
};
struct vhost_vring_addr {
  unsigned int index, flags;
  uint64_t desc_user_addr, used_user_addr, avail_user_addr, log_guest_addr;
};
struct vhost_memory_region {
  uint64_t guest_phys_addr, memory_size, userspace_addr, flags_padding;
};
constexpr unsigned long VHOST_GET_FEATURES = _IOR(kVhost, 0x00, uint64_t);
constexpr unsigned long VHOST_SET_FEATURES = _IOW(kVhost, 0x00, uint64_t);
constexpr unsigned long VHOST_SET_OWNER = _IO(kVhost, 0x01);
// struct vhost_memory's header (nregions, padding) before its regions
constexpr unsigned long kSetMemTable = _IOC(_IOC_WRITE, kVhost, 0x03, 8);
constexpr unsigned long VHOST_SET_VRING_NUM = _IOW(kVhost, 0x10, vhost_vring_state);
constexpr unsigned long VHOST_SET_VRING_ADDR = _IOW(kVhost, 0x11, vhost_vring_addr);
constexpr unsigned long VHOST_SET_VRING_BASE = _IOW(kVhost, 0x12, vhost_vring_state);
constexpr unsigned long VHOST_SET_VRING_KICK = _IOW(kVhost, 0x20, vhost_vring_file);
constexpr unsigned long VHOST_SET_VRING_CALL = _IOW(kVhost, 0x21, vhost_vring_file);
constexpr unsigned long VHOST_NET_SET_BACKEND = _IOW(kVhost, 0x30, vhost_vring_file);

std::mutex vhostLock;
std::set<int> vhosts;  // the /dev/vhost-net descriptors this file opened

int Vhost(const Napi::CallbackInfo &info, size_t i) {
  int fd = info[i].As<Napi::Number>().Int32Value();
  std::lock_guard<std::mutex> hold(vhostLock);
  if (vhosts.count(fd) == 0) throw SystemError(info.Env(), EBADF, "vhost (not opened by the shim)", std::to_string(fd));
  return fd;
}

template <typename Arg>
void Call(const Napi::CallbackInfo &info, int fd, unsigned long request, Arg arg, const char *name) {
  int rc;
  do rc = ioctl(fd, request, arg);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) throw SystemError(info.Env(), errno, name, std::to_string(fd));
}

/** open() → handle: /dev/vhost-net, owned by this process (VHOST_SET_OWNER starts its worker). */
Napi::Value Open(const Napi::CallbackInfo &info) {
  int fd = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
  if (fd < 0) throw SystemError(info.Env(), errno, "open", "/dev/vhost-net");
  if (ioctl(fd, VHOST_SET_OWNER, nullptr) < 0) {
    int err = errno;
    close(fd);
    throw SystemError(info.Env(), err, "VHOST_SET_OWNER", "/dev/vhost-net");
  }
  std::lock_guard<std::mutex> hold(vhostLock);
  vhosts.insert(fd);
  return Napi::Number::New(info.Env(), fd);
}

/** close(handle): the kernel stops serving the rings and lets go of the tap. */
Napi::Value Close(const Napi::CallbackInfo &info) {
  int fd = Vhost(info, 0);
  {
    std::lock_guard<std::mutex> hold(vhostLock);
    vhosts.erase(fd);
  }
  close(fd);
  return info.Env().Undefined();
}

/** features(handle) → VHOST_GET_FEATURES (as a number: the bits in use are below 2^53). */
Napi::Value Features(const Napi::CallbackInfo &info) {
  uint64_t features = 0;
  Call(info, Vhost(info, 0), VHOST_GET_FEATURES, &features, "VHOST_GET_FEATURES");
  return Napi::Number::New(info.Env(), static_cast<double>(features));
}

/** setFeatures(handle, features): VHOST_SET_FEATURES. */
Napi::Value SetFeatures(const Napi::CallbackInfo &info) {
  uint64_t features = static_cast<uint64_t>(info[1].As<Napi::Number>().DoubleValue());
  Call(info, Vhost(info, 0), VHOST_SET_FEATURES, &features, "VHOST_SET_FEATURES");
  return info.Env().Undefined();
}

/** setMemTable(handle, ram): one region, guest-physical 0 up, over the guest RAM buffer. */
Napi::Value SetMemTable(const Napi::CallbackInfo &info) {
  int fd = Vhost(info, 0);
  Napi::ArrayBuffer ram = info[1].As<Napi::ArrayBuffer>();
  struct {
    uint32_t nregions = 1;
    uint32_t padding = 0;
    vhost_memory_region region{};
  } table;
  table.region.guest_phys_addr = 0;
  table.region.memory_size = ram.ByteLength();
  table.region.userspace_addr = reinterpret_cast<uint64_t>(ram.Data());
  Call(info, fd, kSetMemTable, &table, "VHOST_SET_MEM_TABLE");
  return info.Env().Undefined();
}

/** A ring's state (index, a number) for VHOST_SET_VRING_NUM and VHOST_SET_VRING_BASE. */
Napi::Value SetRingState(const Napi::CallbackInfo &info, unsigned long request, const char *name) {
  vhost_vring_state state{};
  state.index = info[1].As<Napi::Number>().Uint32Value();
  state.num = info[2].As<Napi::Number>().Uint32Value();
  Call(info, Vhost(info, 0), request, &state, name);
  return info.Env().Undefined();
}

/** setRingSize(handle, index, size): VHOST_SET_VRING_NUM. */
Napi::Value SetRingSize(const Napi::CallbackInfo &info) {
  return SetRingState(info, VHOST_SET_VRING_NUM, "VHOST_SET_VRING_NUM");
}

/** setRingBase(handle, index, next): VHOST_SET_VRING_BASE (the next available entry to take). */
Napi::Value SetRingBase(const Napi::CallbackInfo &info) {
  return SetRingState(info, VHOST_SET_VRING_BASE, "VHOST_SET_VRING_BASE");
}

/** The host address of `bytes` of guest RAM at guest-physical `gpa`; 0 when they are not all inside it. */
uint64_t HostAddress(Napi::ArrayBuffer ram, double gpa, uint64_t bytes) {
  if (!(gpa >= 0) || gpa > static_cast<double>(ram.ByteLength()) || bytes > ram.ByteLength() - static_cast<uint64_t>(gpa)) return 0;
  return reinterpret_cast<uint64_t>(ram.Data()) + static_cast<uint64_t>(gpa);
}

/** setRingAddresses(handle, index, size, ram, descriptors, available, used): VHOST_SET_VRING_ADDR (guest-physical, in ram). */
Napi::Value SetRingAddresses(const Napi::CallbackInfo &info) {
  int fd = Vhost(info, 0);
  uint32_t size = info[2].As<Napi::Number>().Uint32Value();
  Napi::ArrayBuffer ram = info[3].As<Napi::ArrayBuffer>();
  vhost_vring_addr addr{};
  addr.index = info[1].As<Napi::Number>().Uint32Value();
  addr.desc_user_addr = HostAddress(ram, info[4].As<Napi::Number>().DoubleValue(), 16ull * size);
  addr.avail_user_addr = HostAddress(ram, info[5].As<Napi::Number>().DoubleValue(), 6ull + 2ull * size);
  addr.used_user_addr = HostAddress(ram, info[6].As<Napi::Number>().DoubleValue(), 6ull + 8ull * size);
  if (addr.desc_user_addr == 0 || addr.avail_user_addr == 0 || addr.used_user_addr == 0) throw SystemError(info.Env(), EFAULT, "VHOST_SET_VRING_ADDR", std::to_string(fd));
  Call(info, fd, VHOST_SET_VRING_ADDR, &addr, "VHOST_SET_VRING_ADDR");
  return info.Env().Undefined();
}

/** A ring's descriptor (index, fd; -1 unbinds) for the kick, call and backend ioctls, checked by `owned`. */
Napi::Value SetRingFile(const Napi::CallbackInfo &info, unsigned long request, bool (*owned)(int), const char *name) {
  int fd = Vhost(info, 0);
  vhost_vring_file file{};
  file.index = info[1].As<Napi::Number>().Uint32Value();
  file.fd = info[2].As<Napi::Number>().Int32Value();
  if (file.fd != kUnbind && !owned(file.fd)) throw SystemError(info.Env(), EBADF, name, std::to_string(file.fd));
  Call(info, fd, request, &file, name);
  return info.Env().Undefined();
}

/** setRingKick(handle, index, eventfd): the guest's notifications of the ring arrive there. */
Napi::Value SetRingKick(const Napi::CallbackInfo &info) {
  return SetRingFile(info, VHOST_SET_VRING_KICK, IsShimEventFd, "VHOST_SET_VRING_KICK");
}

/** setRingCall(handle, index, eventfd): the kernel signals used buffers there. */
Napi::Value SetRingCall(const Napi::CallbackInfo &info) {
  return SetRingFile(info, VHOST_SET_VRING_CALL, IsShimEventFd, "VHOST_SET_VRING_CALL");
}

/** setBackend(handle, index, tap): VHOST_NET_SET_BACKEND (-1: the kernel stops serving the ring). */
Napi::Value SetBackend(const Napi::CallbackInfo &info) {
  return SetRingFile(info, VHOST_NET_SET_BACKEND, IsShimTap, "VHOST_NET_SET_BACKEND");
}

}  // namespace

void RegisterVhost(Napi::Env env, Napi::Object exports) {
  Napi::Object vhost = Napi::Object::New(env);
  vhost.Set("open", Napi::Function::New(env, Open));
  vhost.Set("close", Napi::Function::New(env, Close));
  vhost.Set("features", Napi::Function::New(env, Features));
  vhost.Set("setFeatures", Napi::Function::New(env, SetFeatures));
  vhost.Set("setMemTable", Napi::Function::New(env, SetMemTable));
  vhost.Set("setRingSize", Napi::Function::New(env, SetRingSize));
  vhost.Set("setRingBase", Napi::Function::New(env, SetRingBase));
  vhost.Set("setRingAddresses", Napi::Function::New(env, SetRingAddresses));
  vhost.Set("setRingKick", Napi::Function::New(env, SetRingKick));
  vhost.Set("setRingCall", Napi::Function::New(env, SetRingCall));
  vhost.Set("setBackend", Napi::Function::New(env, SetBackend));
  exports.Set("vhost", vhost);
}
