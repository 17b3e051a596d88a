// The node's state-change lock: an exclusive lock on <run>/.lock, so that one process at a time
// changes the node (others wait, as libvirt's jobs wait for each other).
import { join } from "node:path";
import type { NativeShim } from "../../host/native.js";

/** How long a change waits for another process's (libvirt waits 30 s for a job). */
const LOCK_WAIT_MS = 30_000;

/** Takes the lock (waiting for another process's change); returns its file descriptor, which closing releases. */
export async function lockNode(shim: Pick<NativeShim, "lockFile">, runDir: string, timedOut: () => Error): Promise<number> {
  const lockPath = join(runDir, ".lock");
  const until = Date.now() + LOCK_WAIT_MS;
  let fd = shim.lockFile(lockPath);
  while (fd === null) {
    if (Date.now() > until) throw timedOut();
    await new Promise((resolve) => setTimeout(resolve, 5));
    fd = shim.lockFile(lockPath);
  }
  return fd;
}
