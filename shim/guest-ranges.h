// The core's lists of guest-physical ranges (block_io's and net_io's records: {f64 address, u32
// length, u32 0}) as iovecs into the guest memory buffer, each range checked to lie inside it.
#pragma once
#include <napi.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include <vector>

constexpr size_t kIovecBytes = 16;
constexpr size_t kMaxIovecs = 1024;

/** The ranges as iovecs into `ram`; false when one lies outside it. */
inline bool GuestIovecs(const uint8_t *records, size_t count, uint8_t *ram, size_t ramBytes, std::vector<iovec> &out) {
  for (size_t i = 0; i < count; i++) {
    double gpa;
    uint32_t len;
    memcpy(&gpa, records + i * kIovecBytes, 8);
    memcpy(&len, records + i * kIovecBytes + 8, 4);
    if (!(gpa >= 0) || gpa > static_cast<double>(ramBytes) || len > ramBytes - static_cast<size_t>(gpa)) return false;
    out.push_back({ram + static_cast<size_t>(gpa), len});
  }
  return true;
}

/** The `count` records of `records` as iovecs into `ram` (a call's arguments); false when malformed or outside it. */
inline bool GuestIovecsOf(Napi::ArrayBuffer ram, Napi::Uint8Array records, uint32_t count, std::vector<iovec> &out) {
  return count <= kMaxIovecs && records.ByteLength() >= count * kIovecBytes &&
         GuestIovecs(records.Data(), count, static_cast<uint8_t *>(ram.Data()), ram.ByteLength(), out);
}
