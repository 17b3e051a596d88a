// Host functions the core imports. Keep this list small: test/core/imports.test.ts pins it.
// The native shim, the TypeScript mock and the WASI embedding each provide these.

/** Fills len bytes at ptr with random data (UUIDs and MAC addresses for definitions without one). */
@external("shim", "random_fill")
export declare function random_fill(ptr: usize, len: u32): void;

/** Wall-clock time in milliseconds (the test driver reports CPU time from it, as libvirt's does). */
@external("shim", "clock_ms")
export declare function clock_ms(): f64;
