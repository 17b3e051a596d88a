// core.wasm's domain operations. The host names a domain by a DomainKey: its UUID, and its name
// for libvirt's "no domain with matching uuid" message. Results go to the output buffer as the
// ABI table says (abi/table.mjs).
import { Code, failBare, From, beginError } from "../errors";
import { ByteBuf } from "../util/bytes";
import { formatUuidHalves } from "../objects/definition";
import { DomainObj } from "../objects/domain-list";
import { State, DomainOp, ListFlag } from "../abi/enums.gen";
import { eventCount, clearEvents, pendingEvents } from "../node/events";
import {
  checkFlags, cpuTimeNs, createDomain, defineDomain, definitionFrom, destroyDomain, getVcpus, getWeight,
  managedSaveDomain, rebootDomain, resetDomain, resumeDomain, saveDone, saveImage, setAutostart,
  setMemory, setVcpus, setWeight, shutdownDomain, startDomain, suspendDomain, DomainNode, undefineDomain, xmlOf,
} from "../node/lifecycle";
import { HostedNode, hostedDefinitionFrom } from "../drivers/hosted/hosted-node";
import { DomainKey, writeDomainInfo, writeDomainRecord } from "../abi/records.gen";
import { io } from "../abi/runtime";
import { nodeAt } from "./nodes";
import { checkNewName, MAX_HOSTED_NAME_BYTES } from "../objects/names";

function putDomain(obj: DomainObj): void {
  writeDomainRecord(io.output, obj.id, obj.def.uuidHi, obj.def.uuidLo, obj.def.nameUtf8);
}

/** The one domain an operation answers with. */
export function putOneDomain(obj: DomainObj): bool {
  putDomain(obj);
  return true;
}

function putBytes(b: ArrayBuffer): void {
  io.output.raw(changetype<usize>(b), b.byteLength);
}

// ---- defining and finding domains ------------------------------------------------------------------------

export function domainDefine(handle: i32, len: i32, flags: i32): bool {
  const node = nodeAt(handle);
  if (node === null || !checkFlags(flags, 1, "testDomainDefineXMLFlags")) return false;
  const hosted = node instanceof HostedNode;
  const def = hosted ? hostedDefinitionFrom(changetype<HostedNode>(node), io.input, len, 2) : definitionFrom(io.input, len, 2);
  if (def === null || !checkNewName(def, true, hosted ? MAX_HOSTED_NAME_BYTES : 0)) return false;
  const obj = defineDomain(node, def);
  if (obj === null) return false;
  putOneDomain(obj);
  return true;
}

/** createXML, or (restored) the restore of a saved image. */
export function domainCreateXML(handle: i32, len: i32, flags: i32, restored: bool): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const def = definitionFrom(io.input, len, 0);
  if (def === null || !checkNewName(def, false, 0)) return false;
  const obj = createDomain(node, def, flags, restored);
  if (obj === null) return false;
  putOneDomain(obj);
  return true;
}

export function domainLookupByName(handle: i32, name: string): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const obj = node.list.findByName(name);
  if (obj === null) return notFound();
  putOneDomain(obj);
  return true;
}

export function domainLookupByUUID(handle: i32, uuidHi: u64, uuidLo: u64): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const obj = node.list.findByUuid(uuidHi, uuidLo);
  if (obj === null) return notFound();
  putOneDomain(obj);
  return true;
}

export function domainLookupByID(handle: i32, id: i32): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const obj: DomainObj | null = id < 0 ? null : node.list.findById(id);
  if (obj === null) return notFound();
  putOneDomain(obj);
  return true;
}

function notFound(): bool {
  failBare(Code.NO_DOMAIN, From.DOMAIN, "Domain not found");
  return false;
}

/** virConnectListAllDomains: the records of the matching domains. */
export function domainList(handle: i32, flags: i32): bool {
  return listMatching(handle, flags, false);
}

/** domainList's domains, each followed by its domainInfo record. */
export function domainListInfo(handle: i32, flags: i32): bool {
  return listMatching(handle, flags, true);
}

function listMatching(handle: i32, flags: i32, withInfo: bool): bool {
  const node = nodeAt(handle);
  if (node === null || !checkFlags(flags, 0xffff, "testConnectListAllDomains")) return false;
  const countAt = io.output.beginList();
  let count = 0;
  const objects = node.list.objects;
  const cpuTime = withInfo ? cpuTimeNs() : 0; // (one instant for the whole listing)
  for (let i = 0; i < objects.length; i++) {
    const obj = objects[i];
    if (obj === null || !matches(obj, flags)) continue;
    putDomain(obj);
    if (withInfo) putInfo(obj, cpuTime);
    count++;
  }
  io.output.endList(countAt, count);
  return true;
}

/** Whether a domain passes one group of list filters: neither flag set, or the one its state has. */
@inline function passes(flags: i32, yes: i32, no: i32, isYes: bool): bool {
  return (flags & (yes | no)) == 0 || ((flags & yes) != 0 && isYes) || ((flags & no) != 0 && !isYes);
}

/** libvirt's list filters: within each group of flags, a domain must match one that is set. */
function matches(obj: DomainObj, flags: i32): bool {
  if (!passes(flags, ListFlag.ACTIVE, ListFlag.INACTIVE, obj.active)) return false;
  if (!passes(flags, ListFlag.PERSISTENT, ListFlag.TRANSIENT, obj.persistent)) return false;
  const byState = ListFlag.RUNNING | ListFlag.PAUSED | ListFlag.SHUTOFF | ListFlag.OTHER;
  if ((flags & byState) != 0) {
    const s = obj.state;
    const running = s == State.RUNNING;
    const paused = s == State.PAUSED;
    const shutoff = s == State.SHUTOFF;
    const other = !running && !paused && !shutoff;
    if (!((flags & ListFlag.RUNNING) != 0 && running) && !((flags & ListFlag.PAUSED) != 0 && paused) && !((flags & ListFlag.SHUTOFF) != 0 && shutoff) && !((flags & ListFlag.OTHER) != 0 && other)) return false;
  }
  if (!passes(flags, ListFlag.MANAGEDSAVE, ListFlag.NO_MANAGEDSAVE, obj.hasManagedSave)) return false;
  if (!passes(flags, ListFlag.AUTOSTART, ListFlag.NO_AUTOSTART, obj.autostart)) return false;
  // no snapshots or checkpoints exist on this driver
  if (!passes(flags, ListFlag.HAS_SNAPSHOT, ListFlag.NO_SNAPSHOT, false)) return false;
  if (!passes(flags, ListFlag.HAS_CHECKPOINT, ListFlag.NO_CHECKPOINT, false)) return false;
  return true;
}

// ---- operations on a domain -----------------------------------------------------------------------------

export let current: DomainNode | null = null;

/** The domain the host means, or null with the error set; `current` is its node. */
export function target(handle: i32, key: DomainKey): DomainObj | null {
  current = nodeAt(handle);
  if (current === null) return null;
  const obj = current!.list.findByUuid(key.uuidHi, key.uuidLo);
  if (obj !== null) return obj;
  const msg = beginError(Code.NO_DOMAIN, From.DOMAIN);
  msg.str("no domain with matching uuid '");
  formatUuidHalves(msg, key.uuidHi, key.uuidLo);
  msg.str("' (");
  msg.raw(key.namePtr, key.nameLen);
  msg.str(")");
  return null;
}

/** A state change (op: DomainOp) of a domain. */
export function domainOp(handle: i32, key: DomainKey, op: i32, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  const node = current!;
  let ok = false;
  switch (op) {
    case DomainOp.CREATE:
      ok = startDomain(node, obj, flags);
      break;
    case DomainOp.DESTROY:
      ok = destroyDomain(node, obj, flags);
      break;
    case DomainOp.SHUTDOWN:
      ok = shutdownDomain(node, obj, flags);
      break;
    case DomainOp.SUSPEND:
      ok = suspendDomain(obj);
      break;
    case DomainOp.RESUME:
      ok = resumeDomain(obj);
      break;
    case DomainOp.REBOOT:
      ok = rebootDomain(node, obj, flags);
      break;
    case DomainOp.RESET:
      ok = resetDomain(obj, flags);
      break;
    case DomainOp.UNDEFINE:
      ok = undefineDomain(node, obj, flags);
      break;
    case DomainOp.MANAGED_SAVE:
      ok = managedSaveDomain(node, obj, flags);
      break;
    case DomainOp.MANAGED_SAVE_REMOVE:
      ok = checkFlags(flags, 0, "testDomainManagedSaveRemove");
      if (ok) obj.hasManagedSave = false;
      break;
    case DomainOp.SAVE_DONE:
      saveDone(node, obj);
      ok = true;
      break;
    case DomainOp.SET_AUTOSTART:
      ok = setAutostart(obj, flags != 0);
      break;
    default:
      beginError(Code.INTERNAL_ERROR, From.NONE).str("unknown domain operation");
  }
  return ok;
}

/**
 * [state][reason][max memory KiB f64][memory KiB f64][vCPUs][id][cpu time ns f64]
 * [persistent][autostart][managed save], all i32 unless marked.
 */
export function domainInfo(handle: i32, key: DomainKey): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  putInfo(obj, cpuTimeNs());
  return true;
}

function putInfo(obj: DomainObj, cpuTime: f64): void {
  const def = obj.def;
  writeDomainInfo(io.output, obj.state, obj.reason, <f64>def.memoryKiB, <f64>def.currentKiB, def.vcpus, obj.id, cpuTime, obj.persistent, obj.autostart, obj.hasManagedSave);
}

/** virDomainGetOSType: libvirt's test driver answers "linux" for every domain; others the XML's. */
export function domainOSType(handle: i32, key: DomainKey): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  io.output.str(current! instanceof HostedNode ? obj.def.osType : "linux");
  return true;
}

export function domainXML(handle: i32, key: DomainKey, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  const xml = xmlOf(obj, flags);
  if (xml === null) return false;
  putBytes(xml);
  return true;
}

/** The image save() writes; the domain stops when the host reports the write (DomainOp.SAVE_DONE). */
export function domainSaveImage(handle: i32, key: DomainKey, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  const xml = saveImage(obj, flags);
  if (xml === null) return false;
  putBytes(xml);
  return true;
}

export function domainSetMemory(handle: i32, key: DomainKey, kib: f64, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  if (!(kib >= 0) || kib > 9007199254740991) {
    beginError(Code.INVALID_ARG, From.NONE).str("memory value out of range");
    return false;
  }
  return setMemory(obj, <u64>kib, flags);
}

export function domainSetVcpus(handle: i32, key: DomainKey, count: i32, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  return setVcpus(obj, count, flags);
}

export function domainGetVcpus(handle: i32, key: DomainKey, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  const count = getVcpus(obj, flags);
  if (count < 0) return false;
  io.output.putI32(count);
  return true;
}

/** Scheduler parameters as text lines "field\ttype\tvalue" (virTypedParameterType numbers). */
export function domainSchedParams(handle: i32, key: DomainKey, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  const weight = getWeight(obj, flags);
  if (weight < 0) return false;
  io.output.str("weight\t2\t");
  io.output.u64(<u64>weight);
  io.output.byte(10);
  return true;
}

/** Sets scheduler parameters given as "field\ttype\tvalue" lines. */
export function domainSetSchedParams(handle: i32, key: DomainKey, params: string, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  const buf = new ByteBuf(params.length * 3 + 1);
  buf.str(params);
  let pos = 0;
  const end = buf.length;
  let weight: i64 = -1;
  while (pos < end) {
    let tab1 = pos;
    while (tab1 < end && buf.at(tab1) != 9) tab1++;
    let tab2 = tab1 + 1;
    while (tab2 < end && buf.at(tab2) != 9) tab2++;
    let eol = tab2 + 1;
    while (eol < end && buf.at(eol) != 10) eol++;
    if (!buf.equals(pos, tab1 - pos, "weight")) {
      const m = beginError(Code.ARGUMENT_UNSUPPORTED, From.NONE);
      m.str("parameter '");
      m.slice(buf, pos, tab1 - pos);
      m.str("' not supported");
      return false;
    }
    if (!buf.equals(tab1 + 1, tab2 - tab1 - 1, "2")) {
      const m = beginError(Code.INVALID_ARG, From.NONE);
      m.str("invalid type '");
      m.str(typeName(buf, tab1 + 1, tab2 - tab1 - 1));
      m.str("' for parameter 'weight', expected 'uint'");
      return false;
    }
    let v: i64 = 0;
    for (let i = tab2 + 1; i < eol; i++) {
      const ch = <i32>buf.at(i);
      if (ch < 48 || ch > 57 || v > 0xffffffff) {
        beginError(Code.INVALID_ARG, From.NONE).str("invalid value for parameter 'weight'");
        return false;
      }
      v = v * 10 + (ch - 48);
    }
    if (v > 0xffffffff) {
      beginError(Code.INVALID_ARG, From.NONE).str("invalid value for parameter 'weight'");
      return false;
    }
    weight = v;
    pos = eol + 1;
  }
  if (weight < 0) return true;
  return setWeight(obj, <u32>weight, flags);
}

const TYPE_NAMES: StaticArray<string> = ["", "int", "uint", "llong", "ullong", "double", "boolean", "string"];

function typeName(buf: ByteBuf, off: i32, len: i32): string {
  for (let t = 1; t < TYPE_NAMES.length; t++) if (buf.equals(off, len, t.toString())) return TYPE_NAMES[t];
  return "unknown";
}

// ---- events ------------------------------------------------------------------------------------------------

/** Moves the pending lifecycle events (LifecycleEventRecords) to the output. */
export function takeEvents(): bool {
  io.output.putI32(eventCount());
  io.output.slice(pendingEvents, 0, pendingEvents.length);
  clearEvents();
  return true;
}
