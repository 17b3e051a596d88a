// core.wasm's lxc:/// operations beyond every hosted node's (exports/hosted.ts): changes that a
// running container's cgroups follow, and libvirt's "posix" scheduler parameters. The core
// decides what a change reaches; the host carries out the cgroup writes it lists (plan lines).
import { HostedNode } from "../drivers/hosted/hosted-node";
import { changesLive, liveSettings } from "../drivers/lxc/lxc-driver";
import { DomainObj } from "../objects/domain-list";
import { current, domainSetMemory, io, target } from "./domains";
import { getSchedParams, setSchedParams } from "../drivers/lxc/sched";

/** virDomainMemoryModFlags: the maximum, which no cgroup limit holds. */
const MEM_MAXIMUM: i32 = 4;

/** After a change made with flags: the cgroup writes that carry it to the running container, if it reached it. */
function followLive(obj: DomainObj, flags: i32): i32 {
  if (!(current! instanceof HostedNode)) return -1;
  if (!changesLive(obj, flags)) return 0;
  return liveSettings(changetype<HostedNode>(current!), obj, io.output) ? 0 : -1;
}

/** virDomainSetMemoryFlags, then the cgroup writes (plan lines) that carry the new size to the running container. */
export function lxcSetMemory(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, kib: f64, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null || domainSetMemory(handle, a, b, c, e, nameLen, kib, flags) < 0) return -1;
  return (flags & MEM_MAXIMUM) != 0 ? 0 : followLive(obj, flags);
}

/**
 * The "posix" scheduler's parameters of the selected definition ("field\ttype\tvalue" lines); for
 * a running container's live definition, then where its cgroups hold them (CgroupLayout.writeSchedSources).
 */
export function lxcSchedParams(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null || !(current! instanceof HostedNode)) return -1;
  return getSchedParams(obj, flags, changetype<HostedNode>(current!).layout, io.output) ? 0 : -1;
}

/** Sets parameters given after the name in the input (paramsLen bytes of such lines), then the cgroup writes as lxcSetMemory. */
export function lxcSetSchedParams(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, paramsLen: i32, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  const text = String.UTF8.decodeUnsafe(io.input.buf.ptr + <usize>nameLen, <usize>paramsLen);
  return setSchedParams(obj, text, flags) ? followLive(obj, flags) : -1;
}
