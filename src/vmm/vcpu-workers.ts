// The worker threads of a guest's vCPUs after the first (secondary-vcpus.ts runs each): they run
// this same program, and share mailboxes with vCPU 0's thread.
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { secondaryMailboxes, secondaryThreads, type SecondaryThreadData } from "./secondary-vcpus.js";

/**
 * Starts one thread of the program `entry`. From TypeScript sources (tests, under tsx) the worker
 * first registers tsx's loader itself: Node 20 does not pass --import hooks on to workers.
 */
function startThread(entry: string, data: SecondaryThreadData): Worker {
  const options = { workerData: data };
  if (!entry.endsWith(".ts")) return new Worker(entry, options);
  const bootstrap = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

export class VcpuWorkers {
  /** Their mailboxes; none for a guest with one vCPU. */
  readonly mailboxes: SharedArrayBuffer | undefined;
  private readonly workers: Worker[];

  constructor(entry: string, vcpus: number) {
    const mailboxes = vcpus > 1 ? secondaryMailboxes(vcpus - 1) : undefined;
    this.mailboxes = mailboxes;
    this.workers = Array.from({ length: vcpus - 1 }, (_, index) => startThread(entry, { secondary: index, mailboxes: mailboxes! }));
  }

  /** Their threads' ids, in vCPU order. */
  threadIds(): number[] {
    return this.mailboxes ? secondaryThreads(this.mailboxes) : [];
  }

  onError(failed: (e: Error) => void): void {
    for (const worker of this.workers) worker.on("error", failed);
  }

  terminate(): void {
    for (const worker of this.workers) void worker.terminate();
  }
}
