// What the lxc:/// driver needs from this host besides the shim's calls: the cgroup layout
// (read from /proc/self/mountinfo), and carrying out the host lines the core writes: a start
// plan's, a live change's, and where a running container's scheduler parameters are read.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";
import { strerror } from "../../errno.js";
import type { NativeShim } from "../../host/native.js";
import { paramOf } from "../core-driver.js";
import type { TypedParameter } from "../driver.js";
import { decodeLines } from "../hosted/plan-lines.js";

/**
 * The cgroup mounts, as core-wasm/drivers/lxc/cgroups.ts reads them: "v1 CONTROLLER MOUNT" for
 * each v1 controller, "v2 MOUNT CONTROLLER..." for the v2 hierarchy.
 */
export function cgroupFacts(): string {
  const lines: string[] = [];
  for (const entry of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = entry.split(" - ");
    if (!right) continue;
    const mountPoint = left.split(" ")[4];
    const [fstype, , superOptions = ""] = right.split(" ");
    if (fstype === "cgroup") {
      for (const option of superOptions.split(",")) {
        if (["memory", "cpu", "cpuacct", "cpuset", "freezer", "pids", "devices"].includes(option)) lines.push(`v1 ${option} ${mountPoint}`);
      }
    } else if (fstype === "cgroup2") {
      let controllers = "";
      try {
        controllers = readFileSync(join(mountPoint, "cgroup.controllers"), "utf8").trim();
      } catch {
        controllers = "";
      }
      lines.push(`v2 ${mountPoint} ${controllers}`.trim());
    }
  }
  return lines.join("\n");
}

/** What the host keeps of a plan: where the domain's cgroups and counters are. */
export interface CgroupFiles {
  dirs: string[];
  freezer?: { file: string; frozen: string; thawed: string };
  cpuUsage?: { file: string; unit: string };
  memoryUsage?: string;
}

export function cgroupFiles(plan: string): CgroupFiles {
  const files: CgroupFiles = { dirs: [] };
  for (const f of decodeLines(plan)) {
    if (f[0] === "host-cgroup") files.dirs.push(f[1]);
    else if (f[0] === "host-freezer") files.freezer = { file: f[1], frozen: f[2], thawed: f[3] };
    else if (f[0] === "host-cpu-usage") files.cpuUsage = { file: f[1], unit: f[2] };
    else if (f[0] === "host-memory-usage") files.memoryUsage = f[1];
  }
  return files;
}

function cgroupError(action: string, path: string, e: unknown): VirtError {
  return new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_CGROUP, `${action} '${path}': ${strerror(e)}`);
}

/**
 * Carries out the plan's host lines (cgroup directories, settings and the v2 device program). On
 * failure, removes what it created (a group's device program goes with it) and throws libvirt's
 * "Unable to write to '…'" style error.
 */
export function applyHostSteps(shim: NativeShim, plan: string): void {
  const created: string[] = [];
  try {
    for (const f of decodeLines(plan)) applyHostLine(shim, f, created);
  } catch (e) {
    removeCgroups(shim, created.reverse());
    throw e;
  }
}

/** Writes plan lines of host-write kind only (a running domain's changed limits). */
export function applySettings(shim: NativeShim, lines: string): void {
  for (const f of decodeLines(lines)) {
    if (f[0] === "host-write") applyHostLine(shim, f, []);
  }
}

function applyHostLine(shim: NativeShim, f: string[], created: string[]): void {
  switch (f[0]) {
    case "host-mkdir":
      try {
        if (!isDirectory(f[1])) {
          shim.cgroupMkdir(f[1]);
          created.push(f[1]);
        }
      } catch (e) {
        throw cgroupError("Unable to create cgroup", f[1], e);
      }
      break;
    case "host-write":
      try {
        shim.cgroupWrite(f[1], f[2]);
      } catch (e) {
        throw cgroupError("Unable to write to", f[1], e);
      }
      break;
    case "host-copy":
      try {
        const value = shim.cgroupRead(f[2]).trim();
        if (value !== "" && shim.cgroupRead(f[1]).trim() === "") shim.cgroupWrite(f[1], value);
      } catch (e) {
        throw cgroupError("Unable to write to", f[1], e);
      }
      break;
    case "host-devices-bpf":
      try {
        shim.cgroupAttachDeviceProgram(f[1], Buffer.from(f[2], "hex"));
      } catch (e) {
        const step = (e as { syscall?: string }).syscall?.includes("PROG_LOAD") ? "load" : "attach";
        throw new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_CGROUP, `failed to ${step} cgroup BPF prog: ${strerror(e)}`);
      }
      break;
    default:
      break;
  }
}

function isDirectory(path: string): boolean {
  try {
    return readFileSync(join(path, "cgroup.procs")).length >= 0;
  } catch {
    return false;
  }
}

/** Removes the domain's cgroup directories (deepest first); gone ones are fine. */
export function removeCgroups(shim: NativeShim, dirs: readonly string[]): void {
  for (const dir of dirs) {
    try {
      shim.cgroupRmdir(dir);
    } catch {
      // still busy or already gone: nothing more the host can do now
    }
  }
}

/**
 * The scheduler parameters of lxcSchedParams' lines: "FIELD TYPE VALUE" from the definition, then
 * for a running container "host-sched-param FIELD FILE WORD [UNLIMITED]": the value is instead the
 * cgroup file's WORDth space-separated word (UNLIMITED reads as -1). When a file cannot be read
 * (the container is ending), the definition's values stand, all of them.
 */
export function readSchedParams(shim: Pick<NativeShim, "cgroupRead">, lines: string): TypedParameter[] {
  const params: TypedParameter[] = [];
  const sources: string[][] = [];
  for (const f of decodeLines(lines)) {
    if (f[0] === "host-sched-param") sources.push(f);
    else params.push(paramOf(f));
  }
  const values: Record<string, number> = {};
  try {
    for (const [, field, file, word, unlimited] of sources) {
      const value = shim.cgroupRead(file).trim().split(" ")[Number(word)];
      values[field] = unlimited !== undefined && value === unlimited ? -1 : Number(value);
    }
  } catch {
    return params;
  }
  return params.map((p) => ({ ...p, value: values[p.field] ?? p.value }));
}
