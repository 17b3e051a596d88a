// Entry of a kvm:/// domain's VMM process (bundled as dist/kvm-vmm.cjs): the main thread serves
// the domain (vmm-process.ts); the same file, started as a worker, is its vCPU thread.
import { isMainThread } from "node:worker_threads";
import { runVcpuThread } from "./vcpu-thread.js";
import { runVmmProcess } from "./vmm-process.js";

if (isMainThread) runVmmProcess(process.argv[1], process.argv[2]);
else runVcpuThread();
