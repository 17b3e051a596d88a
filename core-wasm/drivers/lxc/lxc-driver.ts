// The lxc:/// driver's decisions. The registry, states and events are the same as every
// driver's (objects/, drivers/test-driver.ts for define/undefine and the shared rules); what is
// particular to containers: which definitions can run as one, the start plan (plan.ts), and
// the state changes the host reports after it carried out a plan or saw a container end. The
// host keeps the truth on disk (definitions, supervisor status files) and replays it here.
import { Code } from "../../errors";
import { ByteBuf } from "../../util/bytes";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { parseDocument, reserveInput } from "../../xml/parser";
import { applyRules } from "../../domain/canonical";
import { ctx, err } from "../../domain/context";
import { Definition } from "../../objects/definition";
import { DomainObj } from "../../objects/domain-list";
import { Event, PausedReason, RunningReason, ShutoffReason, State } from "../../objects/states";
import { emit } from "../events";
import { TestNode } from "../test-driver";
import { CgroupLayout } from "./cgroups";
import { writeStartPlan } from "./plan";
import { PlanWriter } from "./plan-writer";

/** An lxc:/// node: the registry plus the host's cgroup layout and runtime directory. */
export class LxcNode extends TestNode {
  layout: CgroupLayout = new CgroupLayout();
  runDir: string = "/run/virtkit/lxc";
}

const doc = new Doc();

function load(def: Definition): bool {
  const len = def.xml.byteLength;
  const p = reserveInput(doc, len);
  memory.copy(p, changetype<usize>(def.xml), <usize>len);
  return parseDocument(doc, len, "(domain_definition)");
}

function isDecimal(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Applies the rules to the parsed document d and checks that it can run as a container here:
 * type 'lxc', OS type 'exe' (init defaulting to /sbin/init, as libvirt's), numeric
 * inituser/initgroup (names would need the container's own user database).
 */
export function lxcCapture(d: Doc, flags: i32): Definition | null {
  ctx.defaultArch = "x86_64";
  const root = d.root;
  const typeAttr = d.attr(root, S.type);
  if (typeAttr == NONE || !d.attrIs(root, S.type, "lxc")) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("domain type '");
    if (typeAttr != NONE) b.raw(d.buf.ptr + <usize>d.aOffOf(typeAttr), d.aLenOf(typeAttr));
    b.str("' is not supported by the LXC driver");
    return null;
  }
  const os = d.child(root, S.os);
  const osType = os == NONE ? NONE : d.child(os, S.type);
  if (osType == NONE || !d.textIs(osType, "exe")) {
    err(Code.CONFIG_UNSUPPORTED).str("the LXC driver runs only <os><type>exe</type></os> domains");
    return null;
  }
  if (d.child(os, S.init) == NONE) d.setText(d.addElement(os, S.init), "/sbin/init");
  for (let k = 0; k < 2; k++) {
    const n = d.child(os, k == 0 ? S.inituser : S.initgroup);
    if (n == NONE) continue;
    const t = d.textNode(n);
    const value = t == NONE ? "" : String.UTF8.decodeUnsafe(d.buf.ptr + <usize>d.valOffOf(t), <usize>d.valLenOf(t));
    if (!isDecimal(value)) {
      err(Code.CONFIG_UNSUPPORTED).str((k == 0 ? "inituser" : "initgroup") + " '" + value + "' must be a numeric id");
      return null;
    }
  }
  if (!applyRules(d, flags)) return null;
  return Definition.fromDoc(d);
}

/** A definition from user XML: len bytes at the start of d's buffer. */
export function lxcDefinitionFrom(d: Doc, len: i32, flags: i32): Definition | null {
  if (!parseDocument(d, len, "(domain_definition)")) return null;
  return lxcCapture(d, flags);
}

// ---- starting ------------------------------------------------------------------------------------

/** The plan that starts obj (inactive) or def (a transient domain about to be created). */
export function startPlan(node: LxcNode, obj: DomainObj | null, def: Definition, out: ByteBuf): bool {
  if (obj !== null && obj.active) {
    err(Code.OPERATION_INVALID).str("domain is already running");
    return false;
  }
  if (!load(def)) return false;
  return writeStartPlan(new PlanWriter(out), doc, node.runDir, node.layout);
}

/** The live definition: the persistent one with the id. */
function liveDefinition(source: Definition, id: i32): Definition | null {
  if (!load(source)) return null;
  doc.setAttrU64(doc.root, S.id, <u64>id);
  return lxcCapture(doc, 0);
}

/**
 * The host started obj from the definition `source` (its plan ran; `id` is the supervisor's
 * pid, libvirt's id for a container).
 */
export function markStarted(node: LxcNode, obj: DomainObj, source: Definition, id: i32, paused: bool, announce: bool): bool {
  const live = liveDefinition(source, id);
  if (live === null) return false;
  obj.newDef = obj.persistent ? obj.def : null;
  obj.def = live;
  node.list.setId(obj, id);
  obj.state = paused ? State.PAUSED : State.RUNNING;
  obj.reason = paused ? PausedReason.USER : RunningReason.BOOTED;
  if (announce) emit(obj, Event.STARTED, 0);
  return true;
}

/** The container ended (reason: ShutoffReason); a transient domain disappears. */
export function markStopped(node: LxcNode, obj: DomainObj, reason: i32, announce: bool): void {
  if (!obj.active) {
    obj.reason = reason;
    return;
  }
  node.list.setId(obj, -1);
  obj.state = State.SHUTOFF;
  obj.reason = reason;
  if (obj.newDef !== null) {
    obj.def = obj.newDef!;
    obj.newDef = null;
  }
  if (announce) emit(obj, Event.STOPPED, reason == ShutoffReason.DESTROYED ? 1 : reason == ShutoffReason.CRASHED ? 2 : 0);
  if (!obj.persistent) node.list.remove(obj);
}

/** Whether obj may be frozen (suspend) or thawed (resume) now; the host then writes the freezer. */
export function checkPause(obj: DomainObj, pause: bool): bool {
  if (!obj.active) {
    err(Code.OPERATION_INVALID).str("domain is not running");
    return false;
  }
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

/** The cgroup writes that make the running domain's limits match its live definition. */
export function liveSettings(node: LxcNode, obj: DomainObj, out: ByteBuf): bool {
  if (!obj.active) {
    err(Code.OPERATION_INVALID).str("domain is not running");
    return false;
  }
  if (!load(obj.def)) return false;
  node.layout.writeSettings(new PlanWriter(out), doc, obj.def.name);
  return true;
}
