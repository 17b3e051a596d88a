// core.wasm's lxc:/// operations beyond every hosted node's (operations/hosted.ts): a running
// container's cgroup settings and libvirt's "posix" scheduler parameters.
import { ByteBuf } from "../util/bytes";
import { HostedNode } from "../drivers/hosted/hosted-node";
import { liveSettings } from "../drivers/lxc/lxc-driver";
import { current, target } from "./domains";
import { io } from "../abi/runtime";
import { DomainKey } from "../abi/records.gen";
import { getSchedParams, setSchedParams } from "../drivers/lxc/sched";

/** The cgroup writes (plan lines) matching the running domain's live definition. */
export function lxcLiveSettings(handle: i32, key: DomainKey): bool {
  const obj = target(handle, key);
  if (obj === null || !(current! instanceof HostedNode)) return false;
  const out: ByteBuf = io.output;
  out.clear();
  return liveSettings(changetype<HostedNode>(current!), obj, out);
}

/** The "posix" scheduler's parameters of the selected definition ("field\ttype\tvalue" lines). */
export function lxcSchedParams(handle: i32, key: DomainKey, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  return getSchedParams(obj, flags, io.output);
}

/** Sets parameters given as such lines. */
export function lxcSetSchedParams(handle: i32, key: DomainKey, text: string, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  return setSchedParams(obj, text, flags);
}
