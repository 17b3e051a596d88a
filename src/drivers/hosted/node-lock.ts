// The node's locks, libvirt's job model across processes:
//   <run>/.lock          the node's registry lock: held only for the short steps that must see
//                        every domain at once (name and UUID uniqueness at define and create)
//   <run>/.jobs/NAME     a domain's job lock: held for the whole of an operation that changes
//                        that domain (a start, a destroy, a define of it), so that a change of
//                        one domain never waits on another's. While held it names its holder
//                        ("OPERATION PID"), for the error of whoever times out waiting.
// Both are flock(2) locks: a holder that dies lets go at once.
import { fstatSync, ftruncateSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";
import { strerror } from "../../errno.js";
import type { NativeShim } from "../../host/native.js";

/** How long a change waits for another process's (libvirt waits 30 s for a job); VIRTKIT_JOB_WAIT_MS changes it (tests). */
export function jobWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.VIRTKIT_JOB_WAIT_MS);
  return ms > 0 ? ms : 30_000;
}

type LockShim = Pick<NativeShim, "lockFile">;
type JobShim = Pick<NativeShim, "lockFile" | "closeFd">;

/**
 * Tries the lock at lockPath once: its fd, or null while another holds it. The lock file is never
 * opened through a symbolic link: one planted there fails the change (ELOOP), and what it points
 * to is left alone.
 */
function tryLock(shim: LockShim, lockPath: string): number | null {
  try {
    return shim.lockFile(lockPath);
  } catch (e) {
    throw new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_NONE, `Failed to open file '${lockPath}': ${strerror(e)}`);
  }
}

/** Takes the lock at lockPath, trying again until it is free or waitMs have passed; returns its fd, or null. */
async function lockWithin(shim: LockShim, lockPath: string, waitMs: number): Promise<number | null> {
  const until = Date.now() + waitMs;
  let fd = tryLock(shim, lockPath);
  while (fd === null) {
    if (Date.now() > until) return null;
    await new Promise((resolve) => setTimeout(resolve, 5));
    fd = tryLock(shim, lockPath);
  }
  return fd;
}

/** Takes the node's registry lock (waiting for another process's); returns its file descriptor, which closing releases. */
export async function lockNode(shim: LockShim, runDir: string, timedOut: () => Error, waitMs = jobWaitMs()): Promise<number> {
  const fd = await lockWithin(shim, join(runDir, ".lock"), waitMs);
  if (fd === null) throw timedOut();
  return fd;
}

/** Where a domain's job lock lives. */
export function jobLockPath(runDir: string, name: string): string {
  return join(runDir, ".jobs", name);
}

/**
 * Whether the lock fd holds is still the file at path: undefine removes a domain's lock file
 * while holding it, and whoever locked the removed file must lock the new one instead.
 */
function stillThere(fd: number, path: string): boolean {
  try {
    return statSync(path).ino === fstatSync(fd).ino;
  } catch {
    return false;
  }
}

/** Names the holder in a lock file this process holds. */
function nameHolder(fd: number, operation: string): void {
  ftruncateSync(fd);
  writeSync(fd, `${operation} ${process.pid}\n`, 0);
}

/** Whoever holds a domain's job lock, as it named itself ("" when unknown). */
export function jobHolder(runDir: string, name: string): string {
  try {
    const [operation, pid] = readFileSync(jobLockPath(runDir, name), "utf8").trim().split(" ");
    return operation ? `${operation}${pid ? ` in process ${pid}` : ""}` : "";
  } catch {
    return "";
  }
}

/**
 * A lock just taken on a domain's lock file, kept when the file is still there (then naming its
 * holder, `operation`), else let go: null.
 */
function claimJob(shim: JobShim, fd: number, path: string, operation: string): number | null {
  if (!stillThere(fd, path)) {
    shim.closeFd(fd);
    return null;
  }
  nameHolder(fd, operation);
  return fd;
}

/**
 * Takes a domain's job lock for `operation`, waiting at most waitMs for its holder; throws
 * timedOut(holder) after that. Returns the fd, which releaseJob lets go.
 */
export async function lockJob(shim: JobShim, runDir: string, name: string, operation: string, timedOut: (holder: string) => Error, waitMs = jobWaitMs()): Promise<number> {
  const path = jobLockPath(runDir, name);
  for (const until = Date.now() + waitMs; ; ) {
    const fd = await lockWithin(shim, path, Math.max(0, until - Date.now()));
    if (fd === null) throw timedOut(jobHolder(runDir, name));
    const held = claimJob(shim, fd, path, operation);
    if (held !== null) return held;
  }
}

/** Takes a domain's job lock if it is free now (no wait); null when another holds it. */
export function tryLockJob(shim: JobShim, runDir: string, name: string, operation: string): number | null {
  const path = jobLockPath(runDir, name);
  const fd = tryLock(shim, path);
  return fd === null ? null : claimJob(shim, fd, path, operation);
}

/** Lets a job lock go; forget: the domain is gone, and so is its lock file. */
export function releaseJob(shim: Pick<NativeShim, "closeFd">, runDir: string, name: string, fd: number, forget = false): void {
  if (forget) rmSync(jobLockPath(runDir, name), { force: true });
  else ftruncateSync(fd);
  shim.closeFd(fd);
}
