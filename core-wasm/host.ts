// Host functions the core imports. Keep this list small: test/core/imports.test.ts pins it.
// The native shim, the TypeScript mock and the WASI embedding each provide these.

/** Fills len bytes at ptr with random data (UUIDs and MAC addresses for definitions without one). */
@external("shim", "random_fill")
export declare function random_fill(ptr: usize, len: u32): void;

/** Wall-clock time in milliseconds (the test driver reports CPU time from it, as libvirt's does). */
@external("shim", "clock_ms")
export declare function clock_ms(): f64;

/**
 * Copies len bytes of guest memory at guest-physical `gpa` to ptr (the VMM's virtqueues read their
 * rings and descriptors this way). 0, or -1 when the range is not all guest RAM.
 */
@external("shim", "guest_read")
export declare function guest_read(gpa: f64, ptr: usize, len: u32): i32;

/** Copies len bytes at ptr into guest memory at `gpa` (used rings, device data): 0, or -1 as guest_read. */
@external("shim", "guest_write")
export declare function guest_write(gpa: f64, ptr: usize, len: u32): i32;

/**
 * A virtio-blk request's file operation, run by the host on a disk it opened (`handle`): op 0
 * reads the image at `offset` into the guest buffers listed at `iovecs` (count records of {f64
 * guest-physical address, u32 length, u32 0}), op 1 writes them out, op 2 flushes (fdatasync),
 * op 3 deallocates and op 4 zeroes `count` bytes at `offset`. The payload goes file↔guest RAM
 * without passing through the core. Ops 5 and 6 read and write as 0 and 1, with the ranges in
 * the core's own memory (an image format's metadata). Returns the bytes moved (0 for 2–4), or -errno.
 */
@external("shim", "block_io")
export declare function block_io(op: i32, handle: i32, offset: f64, iovecs: usize, count: i32): i32;

/**
 * A virtio-net frame operation, run by the host on a tap it opened (`handle`): op 0 sends one
 * frame (a 12-byte virtio_net_hdr_v1, then the Ethernet frame) from the guest buffers listed at
 * `iovecs` (block_io's records), op 1 receives one frame into them, op 2 sets the tap's offloads
 * (`count` holds TUN_F_* bits), op 3 asks for vCPU 0 to be interrupted once a frame waits to be
 * received. Returns the bytes moved (0 for 2 and 3), or -errno (-11, EAGAIN: no frame waiting).
 */
@external("shim", "net_io")
export declare function net_io(op: i32, handle: i32, iovecs: usize, count: i32): i32;
