// core.wasm's lxc:/// operations beyond every hosted node's (exports/hosted.ts): a running
// container's cgroup settings and libvirt's "posix" scheduler parameters.
import { ByteBuf } from "../util/bytes";
import { HostedNode } from "../drivers/hosted/hosted-node";
import { liveSettings } from "../drivers/lxc/lxc-driver";
import { current, io, target } from "./domains";
import { getSchedParams, setSchedParams } from "../drivers/lxc/sched";

/** The cgroup writes (plan lines) matching the running domain's live definition. */
export function lxcLiveSettings(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null || !(current! instanceof HostedNode)) return -1;
  const out: ByteBuf = io.output;
  out.clear();
  return liveSettings(changetype<HostedNode>(current!), obj, out) ? 0 : -1;
}

/** The "posix" scheduler's parameters of the selected definition ("field\ttype\tvalue" lines). */
export function lxcSchedParams(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  return getSchedParams(obj, flags, io.output) ? 0 : -1;
}

/** Sets parameters given after the name in the input (paramsLen bytes of such lines). */
export function lxcSetSchedParams(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, paramsLen: i32, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  const text = String.UTF8.decodeUnsafe(io.input.buf.ptr + <usize>nameLen, <usize>paramsLen);
  return setSchedParams(obj, text, flags) ? 0 : -1;
}
