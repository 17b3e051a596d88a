// core.wasm's operations for hosted nodes (lxc:///, kvm:///). Starting is two steps: the core
// writes the plan (with the state checks), the host carries it out and reports the result
// (commit). The host also replays what it finds on disk when it opens the node (running
// domains, how others ended).
import { Code, beginError, From } from "../errors";
import { DomainObj } from "../objects/domain-list";
import { Definition } from "../objects/definition";
import { State } from "../objects/states";
import { CgroupLayout } from "../drivers/lxc/cgroups";
import { checkActive, checkPause, HostedKind, HostedNode, hostedDefinitionFrom, markHostSide, markPaused, markStarted, markStopped, startPlan } from "../drivers/hosted/hosted-node";
import { current, putOneDomain, target } from "./domains";
import { addNode, nodeAt } from "./nodes";
import { io } from "../abi/runtime";
import { DomainKey } from "../abi/records.gen";
import { checkNewName, MAX_HOSTED_NAME_BYTES } from "../objects/names";
import { readDefinitions, writeDefinitions } from "../objects/definition-snapshot";

function hostedNodeAt(handle: i32): HostedNode | null {
  const node = nodeAt(handle);
  if (node === null) return null;
  if (!(node instanceof HostedNode)) {
    beginError(Code.INVALID_ARG, From.NONE).str("not a hosted node");
    return null;
  }
  return changetype<HostedNode>(node);
}

/** A new hosted node (kind "lxc" or "kvm"), with the host's cgroup mounts; an empty directory keeps the default. */
export function hostedNodeOpen(kind: string, runDir: string, dumpDir: string, cgroups: string): bool {
  const node = new HostedNode();
  if (runDir.length > 0) node.runDir = runDir;
  node.layout = CgroupLayout.parse(cgroups, node.runDir);
  if (dumpDir.length > 0) node.dumpDir = dumpDir;
  if (kind == "kvm") node.kind = HostedKind.KVM;
  return addNode(node);
}

/** The plan starting a defined domain (output: plan text). */
export function hostedPlanStart(handle: i32, key: DomainKey): bool {
  const obj = target(handle, key);
  if (obj === null || !(current! instanceof HostedNode)) return false;
  const node = changetype<HostedNode>(current!);
  return startPlan(node, obj, obj.def, io.output);
}

/** createXML's definition in the input (len bytes), if it is valid and may take its place in the registry. */
function createDefinition(node: HostedNode, len: i32): Definition | null {
  const def = hostedDefinitionFrom(node, io.input, len, 0);
  // (a newline too: the name becomes file and cgroup names, and the kernel refuses it in the latter)
  if (def === null || !checkNewName(def, true, MAX_HOSTED_NAME_BYTES)) return null;
  node.list.placeFor(def, true);
  return node.list.ok ? def : null;
}

/** The plan for createXML: the definition in the input (len bytes), checked against the registry. */
export function hostedPlanCreate(handle: i32, len: i32): bool {
  const node = hostedNodeAt(handle);
  if (node === null) return false;
  const def = createDefinition(node, len);
  if (def === null) return false;
  return startPlan(node, node.list.placeFor(def, true), def, io.output);
}

/** createXML succeeded: the definition in the input becomes a running domain `id`. */
export function hostedCommitCreate(handle: i32, len: i32, id: i32): bool {
  const node = hostedNodeAt(handle);
  if (node === null) return false;
  const def = createDefinition(node, len);
  if (def === null) return false;
  const existing = node.list.placeFor(def, true);
  const obj: DomainObj = existing !== null ? existing! : node.list.add(def);
  if (existing === null) obj.persistent = false;
  if (!markStarted(node, obj, def, id, false, true)) return false;
  putOneDomain(obj);
  return true;
}

/** The plan of a defined domain ran: it is running (or paused) as `id`; announce: emit the event. */
export function hostedCommitStart(handle: i32, key: DomainKey, id: i32, paused: bool, announce: bool): bool {
  const obj = target(handle, key);
  if (obj === null || !(current! instanceof HostedNode)) return false;
  return markStarted(changetype<HostedNode>(current!), obj, obj.def, id, paused, announce);
}

/**
 * An active domain found when the node opened: its live XML in the input (len bytes), its state
 * (running, paused, or crashed and kept) and the reason for it its status gives.
 */
export function hostedRestoreRunning(handle: i32, len: i32, id: i32, state: i32, reason: i32): bool {
  const node = hostedNodeAt(handle);
  if (node === null) return false;
  const live = hostedDefinitionFrom(node, io.input, len, 0);
  if (live === null) return false;
  let obj = node.list.findByUuid(live.uuidHi, live.uuidLo);
  if (obj === null) {
    obj = node.list.add(live);
    obj.persistent = false;
  } else {
    obj.newDef = obj.persistent ? obj.def : null;
  }
  obj.def = live;
  node.list.setId(obj, id);
  obj.state = state == State.PAUSED || state == State.CRASHED ? state : State.RUNNING;
  obj.reason = reason;
  return true;
}

/** The container ended (reason: virDomainShutoffReason). */
export function hostedCommitStopped(handle: i32, key: DomainKey, reason: i32, announce: bool): bool {
  const obj = target(handle, key);
  if (obj === null || !(current! instanceof HostedNode)) return false;
  markStopped(changetype<HostedNode>(current!), obj, reason, announce);
  return true;
}

/** What the running domain's start made on the host: its serial line's pty ("": none) and its NICs' taps (tab-separated). */
export function hostedSetHostSide(handle: i32, key: DomainKey, pty: string, taps: string): bool {
  const obj = target(handle, key);
  if (obj === null || !(current! instanceof HostedNode)) return false;
  return markHostSide(changetype<HostedNode>(current!), obj, pty, taps);
}

/** Whether the domain is active (running false: destroy, console) or running its guest (true: shutdown, reboot, reset). */
export function hostedCheckActive(handle: i32, key: DomainKey, running: bool): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  return checkActive(obj, running);
}

/** Whether the domain may be suspended (pause) or resumed (not pause) now. */
export function hostedCheckPause(handle: i32, key: DomainKey, pause: bool): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  return checkPause(obj, pause);
}

export function hostedCommitPause(handle: i32, key: DomainKey, pause: bool): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  markPaused(obj, pause);
  return true;
}


// ---- the definitions snapshot (objects/definition-snapshot.ts) -----------------------------------------

/** Every persistent domain's configuration as one blob hostedLoadDefinitions reads back. */
export function hostedSaveDefinitions(handle: i32): bool {
  const node = hostedNodeAt(handle);
  if (node === null) return false;
  writeDefinitions(node.list, io.output);
  return true;
}

/**
 * Adds the blob's definitions (persistent, inactive) except those whose name or UUID the registry
 * already holds; the output is how many it added. A damaged blob adds nothing.
 */
export function hostedLoadDefinitions(handle: i32, blob: usize, len: i32): bool {
  const node = hostedNodeAt(handle);
  if (node === null) return false;
  const defs = readDefinitions(blob, len);
  if (defs === null) return false;
  let added = 0;
  for (let i = 0; i < defs.length; i++) {
    const def = defs[i];
    if (node.list.findByName(def.name) !== null || node.list.findByUuid(def.uuidHi, def.uuidLo) !== null) continue;
    node.list.add(def).persistent = true;
    added++;
  }
  io.output.putI32(added);
  return true;
}
