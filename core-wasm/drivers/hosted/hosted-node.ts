// Drivers whose domains run as host processes the host starts from a plan: lxc:/// (a container
// supervisor) and kvm:/// (a VMM process). The registry, states and events are every driver's
// (objects/, node/lifecycle.ts for define/undefine and the shared rules); here are the steps
// they share: starting is two steps (the core writes the plan with the state checks, the host
// carries it out and commits the result), and the host replays what it finds on disk.
import { Code } from "../../errors";
import { ByteBuf } from "../../util/bytes";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { parseDocument, copyIntoDoc } from "../../xml/parser";
import { err } from "../../domain/context";
import { Definition } from "../../objects/definition";
import { DomainObj } from "../../objects/domain-list";
import { Event, PausedReason, RunningReason, ShutoffReason, State } from "../../objects/states";
import { emit } from "../../node/events";
import { stopDomain, DomainNode } from "../../node/lifecycle";
import { CgroupLayout } from "../lxc/cgroups";
import { lxcCapture } from "../lxc/lxc-driver";
import { writeStartPlan } from "../lxc/plan";
import { instanceToken, PlanWriter } from "./plan-writer";
import { resolveNetworkSources } from "./interfaces";
import { kvmCapture } from "../kvm/capture";
import { writeVmmPlan } from "../kvm/plan";

export const enum HostedKind {
  LXC = 0,
  KVM = 1,
}

/** A hosted node: the registry plus its kind, the host's cgroup layout and the runtime directory. */
export class HostedNode extends DomainNode {
  kind: HostedKind = HostedKind.LXC;
  layout: CgroupLayout = new CgroupLayout();
  runDir: string = "/run/virtkit/lxc";
  /** Where kvm:/// guests' memory goes when they crash with on_crash coredump-* (libvirt's auto_dump_path). */
  dumpDir: string = "/var/lib/virtkit/kvm/dump";
}

/** A parse buffer for stored definitions. */
export const scratch = new Doc();

export function loadDefinition(def: Definition): bool {
  return parseDocument(scratch, copyIntoDoc(scratch, def.xml), "(domain_definition)");
}

export function notRunning(): bool {
  err(Code.OPERATION_INVALID).str("domain is not running");
  return false;
}

/** Applies the rules to the parsed d and checks that the node's kind of domain can run it. */
export function hostedCapture(node: HostedNode, d: Doc, flags: i32): Definition | null {
  return node.kind == HostedKind.KVM ? kvmCapture(d, flags) : lxcCapture(d, flags);
}

/** A definition from user XML: len bytes at the start of d's buffer. */
export function hostedDefinitionFrom(node: HostedNode, d: Doc, len: i32, flags: i32): Definition | null {
  if (!parseDocument(d, len, "(domain_definition)")) return null;
  return hostedCapture(node, d, flags);
}

/**
 * Whether the domain's control socket path, <run>/NAME.INSTANCE.sock, fits a Unix socket address
 * (sun_path, 107 bytes and a NUL). Names are limited so that it always does in the default run
 * directory; a longer one (VIRTKIT_RUN_DIR) can leave a long name no room.
 */
function socketPathFits(node: HostedNode, def: Definition, instance: string): bool {
  const suffix = "." + instance + ".sock";
  const bytes = String.UTF8.byteLength(node.runDir) + 1 + def.nameUtf8.byteLength + suffix.length;
  if (bytes <= 107) return true;
  const b = err(Code.INTERNAL_ERROR);
  b.str("control socket path '");
  b.str(node.runDir);
  b.str("/");
  b.raw(changetype<usize>(def.nameUtf8), def.nameUtf8.byteLength);
  b.str(suffix);
  b.str("' is ");
  b.u64(<u64>bytes);
  b.str(" bytes long, more than a Unix socket address holds (107)");
  return false;
}

/** The plan that starts obj (inactive) or def (a transient domain about to be created). */
export function startPlan(node: HostedNode, obj: DomainObj | null, def: Definition, out: ByteBuf): bool {
  if (obj !== null && obj.active) {
    err(Code.OPERATION_INVALID).str("domain is already running");
    return false;
  }
  const instance = instanceToken();
  if (!socketPathFits(node, def, instance)) return false;
  if (!loadDefinition(def) || !resolveNetworkSources(node.networks, scratch, true)) return false;
  const w = new PlanWriter(out);
  if (node.kind == HostedKind.KVM) return writeVmmPlan(w, scratch, node.runDir, node.dumpDir, instance);
  return writeStartPlan(w, scratch, node.runDir, node.layout, instance);
}

/** The live definition: the persistent one with the id. */
function liveDefinition(node: HostedNode, source: Definition, id: i32): Definition | null {
  if (!loadDefinition(source)) return null;
  resolveNetworkSources(node.networks, scratch, false); // (what the start resolved, where the host loaded its networks)
  scratch.setAttrU64(scratch.root, S.id, <u64>id);
  return hostedCapture(node, scratch, 0);
}

/** The host started obj from the definition `source` (its plan ran; `id` is the domain's id). */
export function markStarted(node: HostedNode, obj: DomainObj, source: Definition, id: i32, paused: bool, announce: bool): bool {
  const live = liveDefinition(node, source, id);
  if (live === null) return false;
  obj.newDef = obj.persistent ? obj.def : null;
  obj.def = live;
  node.list.setId(obj, id);
  obj.state = paused ? State.PAUSED : State.RUNNING;
  obj.reason = paused ? PausedReason.USER : RunningReason.BOOTED;
  if (announce) emit(obj, Event.STARTED, 0);
  return true;
}

/** A pty chardev's <source path> (the first child, as libvirt writes it; the rules add a console's tty). */
function setPtySource(d: Doc, chardev: i32, path: string): void {
  if (chardev == NONE || !d.attrIs(chardev, S.type, "pty")) return;
  let source = d.child(chardev, S.source);
  if (source == NONE) {
    source = d.newElement(S.source);
    const first = d.firstElement(chardev);
    if (first == NONE) d.appendChild(chardev, source);
    else d.insertBefore(chardev, source, first);
  }
  d.setAttr(source, S.path, path);
}

/** The NICs of a live definition are on the host interfaces `names`, in <interface> order ("" leaves one as it is). */
function setTapTargets(d: Doc, devices: i32, names: string[]): void {
  let i = 0;
  for (let n = d.child(devices, S.interface_); n != NONE && i < names.length; n = d.nextNamed(n), i++) {
    if (names[i] == "") continue;
    let target = d.child(n, S.target);
    if (target == NONE) target = d.addElement(n, S.target);
    d.setAttr(target, S.dev, names[i]);
  }
}

/**
 * What the running obj's start made on the host, in its live XML as libvirt's says it: its serial
 * line's pty `pty` ("": none), and its NICs' taps `taps` (tab-separated, in <interface> order).
 */
export function markHostSide(node: HostedNode, obj: DomainObj, pty: string, taps: string): bool {
  if (!obj.active) return notRunning();
  if (!loadDefinition(obj.def)) return false;
  const devices = scratch.child(scratch.root, S.devices);
  if (devices != NONE && pty != "") {
    setPtySource(scratch, scratch.child(devices, S.serial), pty);
    setPtySource(scratch, scratch.child(devices, S.console), pty);
  }
  if (devices != NONE && taps != "") setTapTargets(scratch, devices, taps.split("\t"));
  const live = hostedCapture(node, scratch, 0);
  if (live === null) return false;
  obj.def = live;
  return true;
}

/** The domain ended (reason: ShutoffReason); a transient domain disappears. */
export function markStopped(node: HostedNode, obj: DomainObj, reason: i32, announce: bool): void {
  if (!obj.active) {
    obj.reason = reason;
    return;
  }
  stopDomain(node, obj, reason, reason == ShutoffReason.DESTROYED ? 1 : reason == ShutoffReason.CRASHED ? 2 : 0, announce);
}

/** Whether obj is active, and (running) its guest runs: a crashed guest kept by on_crash preserve does not. */
export function checkActive(obj: DomainObj, running: bool): bool {
  if (!obj.active || (running && obj.state == State.CRASHED)) return notRunning();
  return true;
}

/** Whether obj may be suspended or resumed now; the host then stops or restarts it. */
export function checkPause(obj: DomainObj, pause: bool): bool {
  if (!checkActive(obj, true)) return false;
  if (!pause && obj.state != State.PAUSED) {
    err(Code.OPERATION_INVALID).str("domain is already running");
    return false;
  }
  return true;
}

export function markPaused(obj: DomainObj, pause: bool): void {
  if (pause && obj.state == State.PAUSED) return;
  obj.state = pause ? State.PAUSED : State.RUNNING;
  obj.reason = pause ? PausedReason.USER : RunningReason.UNPAUSED;
  emit(obj, pause ? Event.SUSPENDED : Event.RESUMED, 0);
}
