// Where a hosted node keeps its state, so that every process sees the same node:
//   <config>/NAME.xml        persistent definitions      (VIRTKIT_CONFIG_DIR/<driver>, default /etc/virtkit/<driver>)
//   <config>/autostart/NAME  autostart marks
//   <run>/NAME.xml           live definition of a running domain   (VIRTKIT_RUN_DIR/<driver>, default /run/virtkit/<driver>)
//   <run>/NAME.plan          the plan it was started with (its `instance` token names the run)
//   <run>/NAME.start         a start's intent, while it is under way (start-intent.ts)
//   <run>/NAME.TOKEN.status  written by instance TOKEN's process (status-file.ts)
//   <run>/NAME.TOKEN.sock    that process's control socket (destroy, shutdown, reboot, console, ...)
//   <run>/.lock, .jobs/NAME  the node's registry lock and each domain's job lock (node-lock.ts)
// and how a process tells that another changed the run directory: its modification time
// (definitions: node-journal.ts).
// Modes do not depend on the umask: directories 0700 (the lxc run directory 0711, see lxc.ts),
// files 0600 (text-file.ts). A directory another user could change is refused when the node opens.
import { chmodSync, lstatSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";

/** How long after a directory's change its mtime is not trusted to show the next one. */
const SETTLE_NS = 50_000_000n;

export interface NodeDirs {
  config: string;
  run: string;
}

/** Where a hosted driver keeps its node; VIRTKIT_CONFIG_DIR / VIRTKIT_RUN_DIR move them (tests). */
export function hostedDirs(driver: "lxc" | "kvm", env: NodeJS.ProcessEnv = process.env): NodeDirs {
  return {
    config: join(env.VIRTKIT_CONFIG_DIR || "/etc/virtkit", driver),
    run: join(env.VIRTKIT_RUN_DIR || "/run/virtkit", driver),
  };
}

/** A domain's runtime files; "unpaused" marks a guest resumed by a driver whose process does not record it (lxc). */
export type RunFile = "xml" | "plan" | "start" | "status" | "sock" | "root" | "log" | "unpaused";

export function runFilePath(dirs: NodeDirs, name: string, kind: RunFile): string {
  return join(dirs.run, `${name}.${kind}`);
}

/**
 * Creates the node's directories, refusing one that is not safe (safeDirProblem); the runtime one
 * gets runMode, the configuration ones 0700, even where they existed. errorDomain: the driver's.
 */
export function createNodeDirs(dirs: NodeDirs, runMode: number, errorDomain: number = ErrorDomain.VIR_FROM_NONE): void {
  const wanted: [string, string, number][] = [
    ["run", dirs.run, runMode],
    ["configuration", dirs.config, 0o700],
    ["configuration", join(dirs.config, "autostart"), 0o700],
    ["job lock", join(dirs.run, ".jobs"), 0o700],
  ];
  for (const [what, dir, mode] of wanted) {
    mkdirSync(dir, { recursive: true, mode });
    const problem = safeDirProblem(dir);
    if (problem !== undefined) throw new VirtError(ErrorNumber.VIR_ERR_OPERATION_FAILED, errorDomain, `operation failed: unsafe ${what} directory '${dir}': ${problem}`);
    chmodSync(dir, mode);
  }
}

/**
 * Why a directory is not safe for a node's files, or undefined: it must be a directory itself (not
 * a symbolic link to one), owned by this process's effective user, and writable by nobody else
 * (another user could replace a file there, or plant a link where one is about to be written).
 */
export function safeDirProblem(dir: string): string | undefined {
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) return "it is a symbolic link";
  if (!st.isDirectory()) return "it is not a directory";
  const euid = process.geteuid?.() ?? st.uid;
  if (st.uid !== euid) return `owned by uid ${st.uid}, not ${euid}`;
  if ((st.mode & 0o022) !== 0) return `writable by ${(st.mode & 0o020) !== 0 ? "its group" : "others"} (mode 0${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/**
 * A directory's identity and modification time ("INODE:MTIME_NS"), or "" while it changed too
 * recently to tell: an mtime moves in clock ticks, so a second change within the tick of the
 * first (a guest that ends as it starts) would look like no change at all.
 */
export function settledStamp(dir: string): string {
  const { stamp, settled } = dirStamp(dir);
  return settled ? stamp : "";
}

/** A directory's "INODE:MTIME_NS", and whether its last change is older than a clock tick can hide (one stat). */
export function dirStamp(dir: string): { stamp: string; settled: boolean } {
  const st = statSync(dir, { bigint: true });
  return { stamp: `${st.ino}:${st.mtimeNs}`, settled: BigInt(Date.now()) * 1_000_000n - st.mtimeNs >= SETTLE_NS };
}
