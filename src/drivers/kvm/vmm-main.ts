// Entry of a kvm:/// domain's VMM process (bundled as dist/kvm-vmm.cjs): the main thread serves
// the domain (vmm-process.ts); the same file, started as a worker, is its vCPU 0 thread (with
// the devices) or the thread of one of its other vCPUs.
import { isMainThread, workerData } from "node:worker_threads";
import { loadNativeShim } from "../../host/native.js";
import { runSecondaryVcpu, type SecondaryThreadData } from "./secondary-vcpus.js";
import { runVcpuThread } from "./vcpu-thread.js";
import { runVmmProcess } from "./vmm-process.js";

if (isMainThread) runVmmProcess(process.argv[1], process.argv[2]);
else if ("secondary" in (workerData as object)) {
  const { secondary, mailboxes } = workerData as SecondaryThreadData;
  runSecondaryVcpu(loadNativeShim().kvm, mailboxes, secondary);
} else runVcpuThread();
