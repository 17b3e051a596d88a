// core.wasm's host interface is deliberately small: this pins it, so a new import is a decision.
import test from "ava";
import { coreModule } from "../../src/host/core.js";

test("core.wasm imports exactly the allowlisted host functions", (t) => {
  const imports = WebAssembly.Module.imports(coreModule()).map((i) => `${i.module}.${i.name}`).sort();
  t.deepEqual(imports, [
    "shim.block_io", // the VMM's disks: file operations the host runs, payload file↔guest RAM
    "shim.clock_ms", // wall clock: the test driver reports CPU time from it, as libvirt's does
    "shim.guest_read", // the VMM's virtqueues: rings and descriptors in guest memory
    "shim.guest_write", // the VMM's virtqueues: used rings and device data into guest memory
    "shim.net_io", // the VMM's NICs: frames the host moves guest RAM↔tap, its offloads and wake-ups
    "shim.random_fill", // randomness for generated UUIDs and MAC addresses
    "wasi_snapshot_preview1.fd_write", // the abort message (bugs only)
    "wasi_snapshot_preview1.proc_exit", // the abort itself (bugs only)
  ]);
});
