// core.wasm's lxc:/// operations beyond every hosted node's (operations/hosted.ts): changes that a
// running container's cgroups follow, and libvirt's "posix" scheduler parameters. The core
// decides what a change reaches; the host carries out the cgroup writes it lists (plan lines).
import { HostedNode } from "../drivers/hosted/hosted-node";
import { changesLive, liveSettings } from "../drivers/lxc/lxc-driver";
import { getSchedParams, setSchedParams } from "../drivers/lxc/sched";
import { DomainObj } from "../objects/domain-list";
import { MemFlag } from "../abi/enums.gen";
import { DomainKey } from "../abi/records.gen";
import { io } from "../abi/runtime";
import { current, domainSetMemory, target } from "./domains";

/** After a change made with flags: the cgroup writes that carry it to the running container, if it reached it. */
function followLive(obj: DomainObj, flags: i32): bool {
  if (!(current! instanceof HostedNode)) return false;
  if (!changesLive(obj, flags)) return true;
  return liveSettings(changetype<HostedNode>(current!), obj, io.output);
}

/** virDomainSetMemoryFlags, then the cgroup writes (plan lines) that carry the new size to the running container. */
export function lxcSetMemory(handle: i32, key: DomainKey, kib: f64, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null || !domainSetMemory(handle, key, kib, flags)) return false;
  return (flags & MemFlag.MAXIMUM) != 0 ? true : followLive(obj, flags);
}

/**
 * The "posix" scheduler's parameters of the selected definition ("field\ttype\tvalue" lines); for
 * a running container's live definition, then where its cgroups hold them (CgroupLayout.writeSchedSources).
 */
export function lxcSchedParams(handle: i32, key: DomainKey, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null || !(current! instanceof HostedNode)) return false;
  return getSchedParams(obj, flags, changetype<HostedNode>(current!).layout, io.output);
}

/** Sets parameters given as such lines, then the cgroup writes as lxcSetMemory. */
export function lxcSetSchedParams(handle: i32, key: DomainKey, text: string, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  return setSchedParams(obj, text, flags) ? followLive(obj, flags) : false;
}
