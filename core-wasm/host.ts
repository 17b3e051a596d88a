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
