// Where a hosted node keeps its state, so that every process sees the same node:
//   <config>/NAME.xml        persistent definitions      (VIRTKIT_CONFIG_DIR/<driver>, default /etc/virtkit/<driver>)
//   <config>/autostart/NAME  autostart marks
//   <run>/NAME.xml           live definition of a running domain   (VIRTKIT_RUN_DIR/<driver>, default /run/virtkit/<driver>)
//   <run>/NAME.plan          the plan it was started with (its `instance` token names the run)
//   <run>/NAME.start         a start's intent, while it is under way (hosted/driver.ts)
//   <run>/NAME.TOKEN.status  written by instance TOKEN's process (status-file.ts)
//   <run>/NAME.TOKEN.sock    that process's control socket (destroy, shutdown, reboot, console, ...)
//   <run>/.lock, .jobs/NAME  the node's registry lock and each domain's job lock (node-lock.ts)
// and how a process tells that another changed it: the directories' modification times.
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** How long after a directory's change its mtime is not trusted to show the next one. */
const STAMP_SETTLE_NS = 50_000_000n;

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

/** Creates the node's directories; the runtime one gets runMode even where it existed. */
export function createNodeDirs(dirs: NodeDirs, runMode: number): void {
  mkdirSync(dirs.run, { recursive: true, mode: runMode });
  chmodSync(dirs.run, runMode);
  mkdirSync(join(dirs.config, "autostart"), { recursive: true, mode: 0o755 });
}

/**
 * The directories' modification times, or "" while one changed too recently to tell: a
 * directory's mtime moves in clock ticks, so a second change within the tick of the first
 * (a guest that ends as it starts) would look like no change at all.
 */
export function dirStamp(dirs: NodeDirs): string {
  const times = [dirs.config, dirs.run, join(dirs.config, "autostart")].map((dir) => statSync(dir, { bigint: true }).mtimeNs);
  const now = BigInt(Date.now()) * 1_000_000n;
  if (times.some((t) => now - t < STAMP_SETTLE_NS)) return "";
  return times.join(":");
}
