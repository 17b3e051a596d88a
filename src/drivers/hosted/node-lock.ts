// The node's state-change lock: an exclusive lock on <run>/.lock, so that one process at a time
// changes the node (others wait, as libvirt's jobs wait for each other).
import { join } from "node:path";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";
import { strerror } from "../../errno.js";
import type { NativeShim } from "../../host/native.js";

/** How long a change waits for another process's (libvirt waits 30 s for a job). */
const LOCK_WAIT_MS = 30_000;

/**
 * Takes the lock (waiting for another process's change); returns its file descriptor, which
 * closing releases. The lock file is never opened through a symbolic link: one planted there
 * fails the change (ELOOP), and what it points to is left alone.
 */
export async function lockNode(shim: Pick<NativeShim, "lockFile">, runDir: string, timedOut: () => Error): Promise<number> {
  const lockPath = join(runDir, ".lock");
  const tryLock = (): number | null => {
    try {
      return shim.lockFile(lockPath);
    } catch (e) {
      throw new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_NONE, `Failed to open file '${lockPath}': ${strerror(e)}`);
    }
  };
  const until = Date.now() + LOCK_WAIT_MS;
  let fd = tryLock();
  while (fd === null) {
    if (Date.now() > until) throw timedOut();
    await new Promise((resolve) => setTimeout(resolve, 5));
    fd = tryLock();
  }
  return fd;
}
