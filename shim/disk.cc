// The shim's disk calls for the VMM's virtio disks: open an image (file or block device), take
// and test QEMU-style OFD byte locks on it, and move bytes between it and guest RAM at the
// guest-physical ranges the core listed. Only descriptors opened here are used; every range is
// checked against the guest memory buffer. No policy: the core decides offsets, ranges and locks.
#include <napi.h>

#include "guest-ranges.h"
#include "system-error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace {

std::mutex disksLock;
std::set<int> disks;  // descriptors of the images this file opened

/** block_io's operations (core-wasm/host.ts). */
enum Op { kRead = 0, kWrite = 1, kFlush = 2, kDeallocate = 3, kZero = 4 };

int Disk(const Napi::CallbackInfo &info, size_t i) {
  int fd = info[i].As<Napi::Number>().Int32Value();
  std::lock_guard<std::mutex> hold(disksLock);
  if (disks.count(fd) == 0) throw SystemError(info.Env(), EBADF, "disk (not opened by the shim)", std::to_string(fd));
  return fd;
}

/** open(path, writable, direct) → {handle, bytes}: an image and its size (a block device's too). */
Napi::Value Open(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int flags = (info[1].As<Napi::Boolean>().Value() ? O_RDWR : O_RDONLY) | O_CLOEXEC | (info[2].As<Napi::Boolean>().Value() ? O_DIRECT : 0);
  int fd = open(path.c_str(), flags);
  if (fd < 0) throw SystemError(env, errno, "open", path);
  struct stat st;
  uint64_t bytes = 0;
  int rc = fstat(fd, &st);
  if (rc == 0 && S_ISBLK(st.st_mode)) rc = ioctl(fd, BLKGETSIZE64, &bytes);
  else bytes = st.st_size;
  if (rc < 0) {
    int err = errno;
    close(fd);
    throw SystemError(env, err, "size of", path);
  }
  {
    std::lock_guard<std::mutex> hold(disksLock);
    disks.insert(fd);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("handle", Napi::Number::New(env, fd));
  result.Set("bytes", Napi::Number::New(env, static_cast<double>(bytes)));
  return result;
}

Napi::Value Close(const Napi::CallbackInfo &info) {
  int fd = Disk(info, 0);
  {
    std::lock_guard<std::mutex> hold(disksLock);
    disks.erase(fd);
  }
  close(fd);  // also drops the OFD locks taken through it
  return info.Env().Undefined();
}

/** An OFD lock request of `type` on the byte at argument 1 of the call. */
struct flock OneByte(const Napi::CallbackInfo &info, short type) {
  struct flock fl{};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = info[1].As<Napi::Number>().Int64Value();
  fl.l_len = 1;
  return fl;
}

/** lock(handle, byte): a shared OFD lock on one byte (QEMU's lock bytes are all shared locks). */
Napi::Value Lock(const Napi::CallbackInfo &info) {
  struct flock fl = OneByte(info, F_RDLCK);
  if (fcntl(Disk(info, 0), F_OFD_SETLK, &fl) < 0) throw SystemError(info.Env(), errno, "F_OFD_SETLK", std::to_string(fl.l_start));
  return info.Env().Undefined();
}

/** heldElsewhere(handle, byte): whether another open file description holds a lock on the byte. */
Napi::Value HeldElsewhere(const Napi::CallbackInfo &info) {
  struct flock fl = OneByte(info, F_WRLCK);
  if (fcntl(Disk(info, 0), F_OFD_GETLK, &fl) < 0) throw SystemError(info.Env(), errno, "F_OFD_GETLK", std::to_string(fl.l_start));
  return Napi::Boolean::New(info.Env(), fl.l_type != F_UNLCK);
}

/** preadv/pwritev until every byte moved (a transfer may come back short); bytes or -errno. */
double Transfer(int fd, bool write, off_t offset, std::vector<iovec> &iov) {
  size_t first = 0;
  double total = 0;
  while (first < iov.size()) {
    ssize_t n = write ? pwritev(fd, &iov[first], iov.size() - first, offset) : preadv(fd, &iov[first], iov.size() - first, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) return -EIO;  // past the end of the image
    total += n;
    offset += n;
    for (size_t left = n; left > 0 && first < iov.size();) {
      size_t step = left < iov[first].iov_len ? left : iov[first].iov_len;
      iov[first].iov_base = static_cast<uint8_t *>(iov[first].iov_base) + step;
      iov[first].iov_len -= step;
      left -= step;
      if (iov[first].iov_len == 0) first++;
    }
  }
  return total;
}

/** io(op, handle, offset, ram, iovecs, count): block_io's operation; bytes moved (0) or -errno. */
Napi::Value Io(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int op = info[0].As<Napi::Number>().Int32Value();
  int fd = Disk(info, 1);
  off_t offset = static_cast<off_t>(info[2].As<Napi::Number>().Int64Value());
  uint32_t count = info[5].As<Napi::Number>().Uint32Value();
  int rc = 0;
  if (op == kRead || op == kWrite) {
    Napi::ArrayBuffer ram = info[3].As<Napi::ArrayBuffer>();
    Napi::Uint8Array records = info[4].As<Napi::Uint8Array>();
    std::vector<iovec> iov;
    if (!GuestIovecsOf(ram, records, count, iov)) {
      return Napi::Number::New(env, -EFAULT);
    }
    return Napi::Number::New(env, Transfer(fd, op == kWrite, offset, iov));
  }
  if (op == kFlush) rc = fdatasync(fd);
  else if (op == kDeallocate) rc = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, count);
  else if (op == kZero) rc = fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, count);
  else return Napi::Number::New(env, -EINVAL);
  return Napi::Number::New(env, rc < 0 ? -errno : 0);
}

}  // namespace

void RegisterDisk(Napi::Env env, Napi::Object exports) {
  Napi::Object disk = Napi::Object::New(env);
  disk.Set("open", Napi::Function::New(env, Open));
  disk.Set("close", Napi::Function::New(env, Close));
  disk.Set("lock", Napi::Function::New(env, Lock));
  disk.Set("heldElsewhere", Napi::Function::New(env, HeldElsewhere));
  disk.Set("io", Napi::Function::New(env, Io));
  exports.Set("disk", disk);
}
