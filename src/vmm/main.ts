// Entry of a kvm:/// domain's VMM process (bundled as dist/kvm-vmm.cjs): the main thread serves
// the domain and runs vCPU 0 (process.ts); with --spare DIR it first waits, ready, for the
// node's next start (spare-process.ts); the same file, started as a worker, is the thread of one of
// the guest's other vCPUs.
import { isMainThread, workerData } from "node:worker_threads";
import { loadNativeShim } from "../host/native.js";
import { runSecondaryVcpu, type SecondaryThreadData } from "./secondary-vcpus.js";
import { runSpareVmm } from "./spare-process.js";
import { runVmmProcess } from "./process.js";

// what the VMM creates (control socket, serial file, core dumps) is private whatever umask it inherits
if (isMainThread) process.umask(0o077);
if (!isMainThread) {
  const { secondary, mailboxes } = workerData as SecondaryThreadData;
  runSecondaryVcpu(loadNativeShim().kvm, mailboxes, secondary);
} else if (process.argv[2] === "--spare") runSpareVmm(process.argv[1], process.argv[3]);
else runVmmProcess(process.argv[1], process.argv[2]);
