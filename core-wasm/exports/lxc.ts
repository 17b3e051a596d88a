// core.wasm's lxc:/// operations. Starting is two steps: the core writes the plan (with the
// state checks), the host carries it out and reports the result (commit). The host also
// replays what it finds on disk when it opens the node (running containers, how others ended).
import { Code, beginError, From } from "../errors";
import { ByteBuf } from "../util/bytes";
import { DomainObj } from "../objects/domain-list";
import { PausedReason, RunningReason, State } from "../objects/states";
import { CgroupLayout } from "../drivers/lxc/cgroups";
import { checkPause, LxcNode, liveSettings, lxcDefinitionFrom, markPaused, markStarted, markStopped, startPlan } from "../drivers/lxc/lxc-driver";
import { addNode, current, io, nodeAt, putOneDomain, target } from "./domains";
import { getSchedParams, setSchedParams } from "../drivers/lxc/sched";

function lxcNodeAt(handle: i32): LxcNode | null {
  const node = nodeAt(handle);
  if (node === null) return null;
  if (!(node instanceof LxcNode)) {
    beginError(Code.INVALID_ARG, From.NONE).str("not an lxc node");
    return null;
  }
  return changetype<LxcNode>(node);
}

/** A new lxc node. Input: "rundir PATH" and the cgroup lines CgroupLayout.parse reads. */
export function lxcNodeOpen(len: i32): i32 {
  const node = new LxcNode();
  const facts = String.UTF8.decodeUnsafe(io.input.buf.ptr, <usize>len);
  node.layout = CgroupLayout.parse(facts);
  const lines = facts.split("\n");
  for (let i = 0; i < lines.length; i++) if (lines[i].startsWith("rundir ")) node.runDir = lines[i].substring(7);
  return addNode(node);
}

/** The plan starting a defined domain (output: plan text). */
export function lxcPlanStart(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  const node = changetype<LxcNode>(current!);
  if (!(current! instanceof LxcNode)) return -1;
  return startPlan(node, obj, obj.def, io.output) ? 0 : -1;
}

/** The plan for createXML: the definition in the input (len bytes), checked against the registry. */
export function lxcPlanCreate(handle: i32, len: i32): i32 {
  const node = lxcNodeAt(handle);
  if (node === null) return -1;
  const def = lxcDefinitionFrom(io.input, len, 0);
  if (def === null) return -1;
  const existing = node.list.placeFor(def, true);
  if (!node.list.ok) return -1;
  return startPlan(node, existing, def, io.output) ? 0 : -1;
}

/** createXML succeeded: the definition in the input becomes a running domain `id`. */
export function lxcCommitCreate(handle: i32, len: i32, id: i32): i32 {
  const node = lxcNodeAt(handle);
  if (node === null) return -1;
  const def = lxcDefinitionFrom(io.input, len, 0);
  if (def === null) return -1;
  const existing = node.list.placeFor(def, true);
  if (!node.list.ok) return -1;
  const obj: DomainObj = existing !== null ? existing! : node.list.add(def);
  if (existing === null) obj.persistent = false;
  if (!markStarted(node, obj, def, id, false, true)) return -1;
  putOneDomain(obj);
  return 0;
}

/** The plan of a defined domain ran: it is running (or paused) as `id`; announce: emit the event. */
export function lxcCommitStart(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, id: i32, paused: i32, announce: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null || !(current! instanceof LxcNode)) return -1;
  return markStarted(changetype<LxcNode>(current!), obj, obj.def, id, paused != 0, announce != 0) ? 0 : -1;
}

/** A running container found when the node opened: its live XML in the input (len bytes). */
export function lxcRestoreRunning(handle: i32, len: i32, id: i32, paused: i32): i32 {
  const node = lxcNodeAt(handle);
  if (node === null) return -1;
  const live = lxcDefinitionFrom(io.input, len, 0);
  if (live === null) return -1;
  let obj = node.list.findByUuid(live.uuidHi, live.uuidLo);
  if (obj === null) {
    obj = node.list.add(live);
    obj.persistent = false;
  } else {
    obj.newDef = obj.persistent ? obj.def : null;
  }
  obj.def = live;
  node.list.setId(obj, id);
  obj.state = paused != 0 ? State.PAUSED : State.RUNNING;
  obj.reason = paused != 0 ? PausedReason.USER : RunningReason.BOOTED;
  return 0;
}

/** The container ended (reason: virDomainShutoffReason). */
export function lxcCommitStopped(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, reason: i32, announce: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null || !(current! instanceof LxcNode)) return -1;
  markStopped(changetype<LxcNode>(current!), obj, reason, announce != 0);
  return 0;
}

/** Whether the domain may be suspended (pause 1) or resumed (pause 0) now. */
export function lxcCheckPause(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, pause: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  return checkPause(obj, pause != 0) ? 0 : -1;
}

export function lxcCommitPause(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, pause: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  markPaused(obj, pause != 0);
  return 0;
}

/** The cgroup writes (plan lines) matching the running domain's live definition. */
export function lxcLiveSettings(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null || !(current! instanceof LxcNode)) return -1;
  const out: ByteBuf = io.output;
  out.clear();
  return liveSettings(changetype<LxcNode>(current!), obj, out) ? 0 : -1;
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
