// The lifecycle engine every driver shares: a node whose domains go through libvirt's lifecycle
// (states, reasons, events, live and persistent definitions). The test:/// driver is this engine
// alone (drivers/test/); hosted drivers (drivers/hosted/) add plans the host carries out.
// Behaviour follows libvirt's test driver; where it and the real drivers disagree, the real
// drivers' rule and wording win (e.g. undefining a running transient domain is refused).
import { NetworkList } from "../objects/network-list";
import { Code } from "../errors";
import { Affect, CreateFlag, DestroyFlag, MemFlag, ShutdownFlag, UndefineFlag, VcpuFlag, XmlFlag } from "../abi/enums.gen";
import { Doc, NONE } from "../xml/dom";
import { S } from "../xml/names.gen";
import { parseDocument, copyIntoDoc } from "../xml/parser";
import { applyRules } from "../domain/canonical";
import { ctx, err, Flag } from "../domain/context";
import { Definition } from "../objects/definition";
import { DomainList, DomainObj } from "../objects/domain-list";
import { Event, PausedReason, RunningReason, ShutoffReason, State } from "../objects/states";
import { emit } from "./events";
import { clock_ms } from "../host";

// libvirt's flags, from the ABI table (abi/enums.gen.ts); the sets each call accepts here.
export const START_PAUSED: i32 = CreateFlag.START_PAUSED;
export const START_FORCE_BOOT: i32 = CreateFlag.START_FORCE_BOOT;
const CREATE_FLAGS: i32 = CreateFlag.START_PAUSED | CreateFlag.START_AUTODESTROY | CreateFlag.START_BYPASS_CACHE | CreateFlag.START_FORCE_BOOT | CreateFlag.START_VALIDATE;
const DESTROY_FLAGS: i32 = DestroyFlag.GRACEFUL | DestroyFlag.REMOVE_LOGS;
const SHUTDOWN_FLAGS: i32 = ShutdownFlag.ACPI_POWER_BTN | ShutdownFlag.GUEST_AGENT | ShutdownFlag.INITCTL | ShutdownFlag.SIGNAL | ShutdownFlag.PARAVIRT;
const UNDEFINE_MANAGED_SAVE: i32 = UndefineFlag.MANAGED_SAVE;
const UNDEFINE_FLAGS: i32 =
  UndefineFlag.MANAGED_SAVE | UndefineFlag.SNAPSHOTS_METADATA | UndefineFlag.NVRAM | UndefineFlag.KEEP_NVRAM | UndefineFlag.CHECKPOINTS_METADATA | UndefineFlag.TPM | UndefineFlag.KEEP_TPM;
const XML_SECURE: i32 = XmlFlag.SECURE;
const XML_INACTIVE: i32 = XmlFlag.INACTIVE;
const XML_MIGRATABLE: i32 = XmlFlag.MIGRATABLE;
const AFFECT_LIVE: i32 = Affect.LIVE;
const AFFECT_CONFIG: i32 = Affect.CONFIG;
const MEM_MAXIMUM: i32 = MemFlag.MAXIMUM;
const VCPU_MAXIMUM: i32 = VcpuFlag.MAXIMUM;
/** The most vCPUs the test driver's node offers (testConnectGetMaxVcpus). */
const NODE_MAX_VCPUS: i32 = 32;

export class NodeInfo {
  model: string = "i686";
  memoryKiB: u64 = 3145728;
  cpus: i32 = 16;
  mhz: i32 = 1400;
  nodes: i32 = 2;
  sockets: i32 = 2;
  cores: i32 = 2;
  threads: i32 = 2;
}

export class DomainNode {
  list: DomainList = new DomainList();
  /** The node's virtual networks. */
  networks: NetworkList = new NetworkList();
  nextId: i32 = 1;
  info: NodeInfo = new NodeInfo();
  /** True for test:///default, whose capabilities are libvirt's fixed ones. */
  isDefault: bool = false;
}

const doc = new Doc();

// ---- errors --------------------------------------------------------------------------------------

/**
 * "unsupported flags (0x..) in function NAME" (libvirt's virCheckFlags): VIR_ERR_INVALID_ARG, but
 * without the "invalid argument: " other such errors start with (libvirt 9.0 says it so).
 */
export function checkFlags(flags: i32, allowed: i32, fn: string): bool {
  const extra = flags & ~allowed;
  if (extra == 0) return true;
  const b = err(Code.INVALID_ARG);
  b.clear();
  b.str("unsupported flags (0x");
  b.hex(<u64>(<u32>extra), 1);
  b.str(") in function ");
  b.str(fn);
  return false;
}

function notRunning(): bool {
  err(Code.OPERATION_INVALID).str("domain is not running");
  return false;
}

// ---- definitions -----------------------------------------------------------------------------------

/** Applies the rules to the parsed document d for this driver and captures the definition. */
export function capture(d: Doc, flags: i32): Definition | null {
  ctx.defaultArch = "i686";
  if (!applyRules(d, flags | Flag.SECURE)) return null;
  return Definition.fromDoc(d);
}

/** A definition from user XML: len bytes at the start of d's buffer. */
export function definitionFrom(d: Doc, len: i32, flags: i32): Definition | null {
  if (!parseDocument(d, len, "(domain_definition)")) return null;
  // libvirt's test driver names interfaces when a definition arrives (testDomainGenerateIfnames),
  // so even the persistent definition shows "testnetN".
  addInterfaceNames(d);
  return capture(d, flags);
}

/** Loads a stored definition's XML into `doc` for editing. */
function load(def: Definition): bool {
  return parseDocument(doc, copyIntoDoc(doc, def.xml), "(domain_definition)");
}

/**
 * The live definition of a domain starting as `id`: the persistent one with the id, and (as
 * libvirt's test driver does) a host-side name "testnetN" for each interface lacking one.
 */
export function liveDefinition(source: Definition, id: i32): Definition | null {
  if (!load(source)) return null;
  doc.setAttrU64(doc.root, S.id, <u64>id);
  addInterfaceNames(doc);
  return capture(doc, 0);
}

function addInterfaceNames(doc: Doc): void {
  const devices = doc.child(doc.root, S.devices);
  if (devices == NONE) return;
  for (let n = doc.child(devices, S.interface_); n != NONE; n = doc.nextNamed(n)) {
    const target = doc.child(n, S.target);
    if (target != NONE && doc.attr(target, S.dev) != NONE) continue;
    let k = 0;
    while (interfaceNameUsed(doc, devices, k)) k++;
    const t = target != NONE ? target : doc.addElement(n, S.target);
    doc.setAttr(t, S.dev, "testnet" + k.toString());
  }
}

function interfaceNameUsed(doc: Doc, devices: i32, k: i32): bool {
  const name = "testnet" + k.toString();
  for (let n = doc.child(devices, S.interface_); n != NONE; n = doc.nextNamed(n)) {
    const target = doc.child(n, S.target);
    const dev = target == NONE ? NONE : doc.attr(target, S.dev);
    if (dev != NONE && doc.buf.equals(doc.aOffOf(dev), doc.aLenOf(dev), name)) return true;
  }
  return false;
}

/** The inactive form of a live definition (a running transient domain has no other). */
function inactiveOf(def: Definition): Definition | null {
  if (!load(def)) return null;
  return capture(doc, Flag.INACTIVE);
}

// ---- defining ---------------------------------------------------------------------------------------

/** virDomainDefineXML: a new persistent domain, or a new configuration for an existing one. */
export function defineDomain(node: DomainNode, def: Definition): DomainObj | null {
  const existing = node.list.placeFor(def, false);
  if (!node.list.ok) return null;
  if (existing === null) {
    const obj = node.list.add(def);
    obj.persistent = true;
    emit(obj, Event.DEFINED, 0);
    return obj;
  }
  if (existing.active) existing.newDef = def;
  else existing.def = def;
  existing.persistent = true;
  emit(existing, Event.DEFINED, 1);
  return existing;
}

/** virDomainCreateXML: starts def, as a new transient domain or over an inactive one's config. */
export function createDomain(node: DomainNode, def: Definition, flags: i32, restored: bool): DomainObj | null {
  if (!checkFlags(flags, CREATE_FLAGS, restored ? "testDomainRestoreFlags" : "testDomainCreateXML")) return null;
  const existing = node.list.placeFor(def, true);
  if (!node.list.ok) return null;
  const live = liveDefinition(def, node.nextId);
  if (live === null) return null;
  const obj: DomainObj = existing !== null ? existing! : node.list.add(live!);
  if (existing !== null) obj.newDef = obj.persistent ? obj.def : null;
  obj.def = live;
  startState(node, obj, flags, restored);
  return obj;
}

function startState(node: DomainNode, obj: DomainObj, flags: i32, restored: bool): void {
  node.list.setId(obj, node.nextId++);
  if ((flags & START_PAUSED) != 0) {
    obj.state = State.PAUSED;
    obj.reason = PausedReason.USER;
  } else {
    obj.state = State.RUNNING;
    obj.reason = restored ? RunningReason.RESTORED : RunningReason.BOOTED;
  }
  emit(obj, Event.STARTED, restored ? 2 : 0);
  if ((flags & START_PAUSED) != 0) emit(obj, Event.SUSPENDED, 0);
}

/** virDomainCreateWithFlags: boots a defined domain (from its managed save image, if any). */
export function startDomain(node: DomainNode, obj: DomainObj, flags: i32): bool {
  if (!checkFlags(flags, CREATE_FLAGS, "testDomainCreateWithFlags")) return false;
  if (obj.active) {
    err(Code.OPERATION_INVALID).str("domain is already running");
    return false;
  }
  const live = liveDefinition(obj.def, node.nextId);
  if (live === null) return false;
  obj.newDef = obj.persistent ? obj.def : null;
  obj.def = live;
  // libvirt's test driver boots from a managed save image with reason "booted" too.
  obj.hasManagedSave = false;
  startState(node, obj, flags, false);
  return true;
}

/** Stops a running domain; a transient one disappears. */
export function stopDomain(node: DomainNode, obj: DomainObj, reason: i32, detail: i32, announce: bool = true): void {
  node.list.setId(obj, -1);
  obj.state = State.SHUTOFF;
  obj.reason = reason;
  if (obj.newDef !== null) {
    obj.def = obj.newDef!;
    obj.newDef = null;
  }
  if (announce) emit(obj, Event.STOPPED, detail);
  if (!obj.persistent) node.list.remove(obj);
}

export function destroyDomain(node: DomainNode, obj: DomainObj, flags: i32): bool {
  if (!checkFlags(flags, DESTROY_FLAGS, "testDomainDestroyFlags")) return false;
  if (!obj.active) return notRunning();
  stopDomain(node, obj, ShutoffReason.DESTROYED, 1);
  return true;
}

export function shutdownDomain(node: DomainNode, obj: DomainObj, flags: i32): bool {
  if (!checkFlags(flags, SHUTDOWN_FLAGS, "testDomainShutdownFlags")) return false;
  if (!obj.active) return notRunning();
  stopDomain(node, obj, ShutoffReason.SHUTDOWN, 0);
  return true;
}

export function rebootDomain(node: DomainNode, obj: DomainObj, flags: i32): bool {
  if (!checkFlags(flags, SHUTDOWN_FLAGS, "testDomainReboot")) return false;
  if (!obj.active) return notRunning();
  if (obj.def.onReboot == "destroy") {
    stopDomain(node, obj, ShutoffReason.SHUTDOWN, 0);
  } else if (obj.def.onReboot != "preserve") {
    obj.state = State.RUNNING;
    obj.reason = RunningReason.BOOTED;
  }
  return true;
}

export function resetDomain(obj: DomainObj, flags: i32): bool {
  if (!checkFlags(flags, 0, "testDomainReset")) return false;
  if (!obj.active) return notRunning();
  return true;
}

export function suspendDomain(obj: DomainObj): bool {
  if (!obj.active) return notRunning();
  if (obj.state == State.PAUSED) return true; // as the real drivers: already paused is fine
  obj.state = State.PAUSED;
  obj.reason = PausedReason.USER;
  emit(obj, Event.SUSPENDED, 0);
  return true;
}

export function resumeDomain(obj: DomainObj): bool {
  if (!obj.active) return notRunning();
  if (obj.state != State.PAUSED) {
    err(Code.OPERATION_INVALID).str("domain is already running");
    return false;
  }
  obj.state = State.RUNNING;
  obj.reason = RunningReason.UNPAUSED;
  emit(obj, Event.RESUMED, 0);
  return true;
}

export function undefineDomain(node: DomainNode, obj: DomainObj, flags: i32): bool {
  if (!checkFlags(flags, UNDEFINE_FLAGS, "testDomainUndefineFlags")) return false;
  if (!obj.persistent) {
    err(Code.OPERATION_INVALID).str("cannot undefine transient domain");
    return false;
  }
  if (obj.hasManagedSave) {
    if ((flags & UNDEFINE_MANAGED_SAVE) == 0) {
      err(Code.OPERATION_INVALID).str("Refusing to undefine while domain managed save image exists");
      return false;
    }
    obj.hasManagedSave = false;
  }
  obj.autostart = false;
  emit(obj, Event.UNDEFINED, 0);
  if (obj.active) {
    obj.persistent = false;
    obj.newDef = null;
  } else node.list.remove(obj);
  return true;
}

// ---- saving -------------------------------------------------------------------------------------------

export function managedSaveDomain(node: DomainNode, obj: DomainObj, flags: i32): bool {
  if (!checkFlags(flags, 1 | 2 | 4, "testDomainManagedSave")) return false;
  if (!obj.active) return notRunning();
  if (!obj.persistent) {
    err(Code.OPERATION_INVALID).str("cannot do managed save for transient domain");
    return false;
  }
  stopDomain(node, obj, ShutoffReason.SAVED, 4);
  obj.hasManagedSave = true;
  return true;
}

/** What a save image holds: the live definition. The host writes it, then calls saveDone. */
export function saveImage(obj: DomainObj, flags: i32): ArrayBuffer | null {
  if (!checkFlags(flags, 1 | 2 | 4, "testDomainSaveFlags")) return null;
  if (!obj.active) {
    notRunning();
    return null;
  }
  return obj.def.xml;
}

export function saveDone(node: DomainNode, obj: DomainObj): void {
  stopDomain(node, obj, ShutoffReason.SAVED, 4);
}

// ---- state, info and XML ----------------------------------------------------------------------------

export function xmlOf(obj: DomainObj, flags: i32): ArrayBuffer | null {
  if (!checkFlags(flags, XML_SECURE | XML_INACTIVE | XML_MIGRATABLE, "testDomainGetXMLDesc")) return null;
  const secure = (flags & XML_SECURE) != 0;
  if ((flags & XML_INACTIVE) == 0 || !obj.active) return obj.def.xmlFor(secure);
  if (obj.newDef !== null) return obj.newDef!.xmlFor(secure);
  const inactive = inactiveOf(obj.def);
  return inactive === null ? null : inactive.xmlFor(secure);
}

/** CPU time as libvirt's test driver reports it: the wall clock, in nanoseconds. */
export function cpuTimeNs(): f64 {
  return Math.floor(clock_ms() * 1e6);
}

// ---- tuning -------------------------------------------------------------------------------------------

/**
 * The definitions a change with these flags affects (libvirt's virDomainObjGetDefs): liveDef
 * and configDef, either of which may stay null. False with the error set when impossible.
 */
let liveDef: Definition | null = null;
let configDef: Definition | null = null;
function pickDefs(obj: DomainObj, flags: i32): bool {
  let live = (flags & AFFECT_LIVE) != 0;
  let config = (flags & AFFECT_CONFIG) != 0;
  if (!live && !config) {
    if (obj.active) live = true;
    else config = true;
  }
  if (live && !obj.active) return notRunning();
  if (config && !obj.persistent) {
    err(Code.OPERATION_INVALID).str("transient domains do not have any persistent config");
    return false;
  }
  liveDef = live ? obj.def : null;
  configDef = config ? obj.config : null;
  return true;
}

/** Replaces a definition of obj by a changed copy (keeping which one it was). */
function replaceDef(obj: DomainObj, old: Definition, changed: Definition): void {
  changed.weight = old.weight;
  if (obj.def === old) obj.def = changed;
  if (obj.newDef === old) obj.newDef = changed;
}

/** A copy of def with <currentMemory> (and, for maximum, <memory>) set. */
function withMemory(def: Definition, kib: u64, maximum: bool, inactive: bool): Definition | null {
  if (!load(def)) return null;
  const root = doc.root;
  if (maximum) {
    doc.setTextU64(doc.child(root, S.memory), kib);
    if (def.currentKiB > kib) doc.setTextU64(doc.child(root, S.currentMemory), kib);
  } else doc.setTextU64(doc.child(root, S.currentMemory), kib);
  return capture(doc, inactive ? Flag.INACTIVE : 0);
}

export function setMemory(obj: DomainObj, kib: u64, flags: i32): bool {
  if (!checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG | MEM_MAXIMUM, "testDomainSetMemoryFlags")) return false;
  if (!pickDefs(obj, flags)) return false;
  const maximum = (flags & MEM_MAXIMUM) != 0;
  if (maximum && liveDef !== null) {
    err(Code.OPERATION_INVALID).str("cannot resize the maximum memory on an active domain");
    return false;
  }
  if (!maximum) {
    if ((liveDef !== null && kib > liveDef!.memoryKiB) || (configDef !== null && kib > configDef!.memoryKiB)) {
      err(Code.INVALID_ARG).str("cannot set memory higher than max memory");
      return false;
    }
  }
  // Compute every new definition before changing anything: a failure leaves the domain as it was.
  const newLive: Definition | null = liveDef === null ? null : withMemory(liveDef!, kib, maximum, false);
  if (liveDef !== null && newLive === null) return false;
  const newConfig: Definition | null = configDef === null ? null : withMemory(configDef!, kib, maximum, !obj.active || obj.newDef !== null);
  if (configDef !== null && newConfig === null) return false;
  if (newLive !== null) replaceDef(obj, liveDef!, newLive!);
  if (newConfig !== null) replaceDef(obj, configDef!, newConfig!);
  return true;
}

function withVcpus(def: Definition, count: i32, maximum: bool, inactive: bool): Definition | null {
  if (!load(def)) return null;
  const vcpu = doc.child(doc.root, S.vcpu);
  if (maximum) {
    doc.setTextU64(vcpu, <u64>count);
    if (def.vcpus > count) doc.removeAttr(vcpu, S.current);
    else doc.setAttrU64(vcpu, S.current, <u64>def.vcpus);
  } else doc.setAttrU64(vcpu, S.current, <u64>count);
  // an individual vCPU list would contradict the new counts; libvirt regenerates it
  const individual = doc.child(doc.root, S.vcpus);
  if (individual != NONE) doc.remove(individual);
  return capture(doc, inactive ? Flag.INACTIVE : 0);
}

export function setVcpus(obj: DomainObj, count: i32, flags: i32): bool {
  if (!checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM, "testDomainSetVcpusFlags")) return false;
  if (count <= 0) {
    err(Code.INVALID_ARG).str("nvcpus in virDomainSetVcpusFlags must not be zero");
    return false;
  }
  const maximum = (flags & VCPU_MAXIMUM) != 0;
  if (maximum && (flags & AFFECT_LIVE) != 0) {
    err(Code.INVALID_ARG).str("cannot change the maximum vCPU count of a running domain");
    return false;
  }
  if (!pickDefs(obj, maximum && (flags & (AFFECT_LIVE | AFFECT_CONFIG)) == 0 ? flags | AFFECT_CONFIG : flags)) return false;
  if (count > NODE_MAX_VCPUS) {
    const b = err(Code.INVALID_ARG);
    b.str("requested cpu amount exceeds maximum supported amount (");
    b.u64(<u64>count);
    b.str(" > ");
    b.u64(<u64>NODE_MAX_VCPUS);
    b.str(")");
    return false;
  }
  const limits: StaticArray<Definition | null> = [liveDef, maximum ? null : configDef];
  for (let i = 0; i < 2; i++) {
    const def = limits[i];
    if (def !== null && def.maxVcpus < count) {
      const b = err(Code.INVALID_ARG);
      b.str("requested cpu amount exceeds maximum (");
      b.u64(<u64>count);
      b.str(" > ");
      b.u64(<u64>def.maxVcpus);
      b.str(")");
      return false;
    }
  }
  const newLive: Definition | null = liveDef === null ? null : withVcpus(liveDef!, count, false, false);
  if (liveDef !== null && newLive === null) return false;
  const newConfig: Definition | null = configDef === null ? null : withVcpus(configDef!, count, maximum, !obj.active || obj.newDef !== null);
  if (configDef !== null && newConfig === null) return false;
  if (newLive !== null) replaceDef(obj, liveDef!, newLive!);
  if (newConfig !== null) replaceDef(obj, configDef!, newConfig!);
  return true;
}

/** virDomainGetVcpusFlags: current (or maximum) vCPUs of the live or the persistent definition. */
export function getVcpus(obj: DomainObj, flags: i32): i32 {
  if (!checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM, "testDomainGetVcpusFlags")) return -1;
  if ((flags & AFFECT_LIVE) != 0 && (flags & AFFECT_CONFIG) != 0) {
    err(Code.INVALID_ARG).str("flags 'affect live' and 'affect config' are mutually exclusive");
    return -1;
  }
  if (!pickDefs(obj, flags & (AFFECT_LIVE | AFFECT_CONFIG))) return -1;
  const def = liveDef !== null ? liveDef! : configDef!;
  return (flags & VCPU_MAXIMUM) != 0 ? def.maxVcpus : def.vcpus;
}

/** The test driver's scheduler ("fair") has one parameter: weight (unsigned int). */
export function getWeight(obj: DomainObj, flags: i32): i64 {
  if (!checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, "testDomainGetSchedulerParametersFlags")) return -1;
  if (!pickDefs(obj, flags)) return -1;
  return <i64>(liveDef !== null ? liveDef!.weight : configDef!.weight);
}

export function setWeight(obj: DomainObj, weight: u32, flags: i32): bool {
  if (!checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, "testDomainSetSchedulerParametersFlags")) return false;
  if (!pickDefs(obj, flags)) return false;
  if (liveDef !== null) liveDef!.weight = weight;
  if (configDef !== null) configDef!.weight = weight;
  return true;
}

export function setAutostart(obj: DomainObj, on: bool): bool {
  if (!obj.persistent) {
    err(Code.OPERATION_INVALID).str("cannot set autostart for transient domain");
    return false;
  }
  obj.autostart = on;
  return true;
}

