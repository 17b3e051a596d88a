// core.wasm's node and domain operations. The host identifies a domain by its UUID (four 32-bit
// words) and passes its name in the input buffer, for libvirt's "no domain with matching uuid"
// message. Results are written to the output buffer: text, or records of little-endian numbers.
import { Code, failBare, From, beginError } from "../errors";
import { ByteBuf } from "../util/bytes";
import { Doc } from "../xml/dom";
import { formatUuidHalves } from "../objects/definition";
import { DomainObj } from "../objects/domain-list";
import { State } from "../objects/states";
import { clearEvents, eventCount, pendingEvents } from "../node/events";
import { nodeFileReferences, populateFromNodeFile } from "../drivers/test/node-file";
import {
  checkFlags, cpuTimeNs, createDomain, defineDomain, definitionFrom, destroyDomain, getVcpus, getWeight,
  managedSaveDomain, rebootDomain, resetDomain, resumeDomain, saveDone, saveImage, setAutostart,
  setMemory, setVcpus, setWeight, shutdownDomain, startDomain, suspendDomain, DomainNode, undefineDomain, xmlOf,
} from "../node/lifecycle";
import { populateDefault } from "../drivers/test/default-node";
import { capabilitiesOf } from "../node/capabilities";
import { HostedNode, hostedDefinitionFrom } from "../drivers/hosted/hosted-node";

/** Where operations read their input and write their output (set up by index.ts). */
export class Io {
  constructor(
    public input: Doc,
    public output: ByteBuf,
  ) {}
}
export let io: Io = new Io(new Doc(), new ByteBuf(16));
export function bindIo(value: Io): void {
  io = value;
}

const nodes = new Array<DomainNode | null>();

export function nodeAt(handle: i32): DomainNode | null {
  if (handle < 0 || handle >= nodes.length || nodes[handle] === null) {
    beginError(Code.INVALID_ARG, From.NONE).str("invalid connection");
    return null;
  }
  return nodes[handle];
}

export function addNode(node: DomainNode): i32 {
  nodes.push(node);
  return nodes.length - 1;
}

// ---- output records -----------------------------------------------------------------------------------

function putI32(v: i32): void {
  const out = io.output;
  out.ensure(4);
  store<i32>(out.ptr + <usize>out.length, v);
  out.length += 4;
}

function putF64(v: f64): void {
  const out = io.output;
  out.ensure(8);
  store<f64>(out.ptr + <usize>out.length, v);
  out.length += 8;
}

// Domain records: [count], then per domain [id][UUID as four words, most significant first],
// then all the names, UTF-8, each followed by a NUL (the host decodes them in one go).
const recordNames = new ByteBuf(4096);
let recordCountAt: i32 = 0;
let recordCount: i32 = 0;

function beginDomains(): void {
  recordNames.clear();
  recordCount = 0;
  recordCountAt = io.output.length;
  putI32(0);
}

function putDomain(obj: DomainObj): void {
  putI32(obj.id);
  putI32(<i32>(obj.def.uuidHi >> 32));
  putI32(<i32>obj.def.uuidHi);
  putI32(<i32>(obj.def.uuidLo >> 32));
  putI32(<i32>obj.def.uuidLo);
  const name = obj.def.nameUtf8;
  recordNames.raw(changetype<usize>(name), name.byteLength);
  recordNames.byte(0);
  recordCount++;
}

function endDomains(): void {
  store<i32>(io.output.ptr + <usize>recordCountAt, recordCount);
  io.output.slice(recordNames, 0, recordNames.length);
}

/** One domain as a record list of one. */
export function putOneDomain(obj: DomainObj): void {
  beginDomains();
  putDomain(obj);
  endDomains();
}

function putBytes(b: ArrayBuffer): void {
  io.output.raw(changetype<usize>(b), b.byteLength);
}

// ---- nodes ---------------------------------------------------------------------------------------------

export function nodeOpenDefault(): i32 {
  const node = new DomainNode();
  if (!populateDefault(node)) return -1;
  clearEvents(); // opening is not an event
  return addNode(node);
}

/** The files a node file's domains refer to (one per line), for the host to read. */
export function nodeFileRefs(len: i32): i32 {
  return nodeFileReferences(io.input.buf.ptr, len, io.output) ? 0 : -1;
}

/** A node from a node file (its XML, then NUL-separated referenced files). */
export function nodeOpenFile(len: i32): i32 {
  const node = new DomainNode();
  if (!populateFromNodeFile(node, io.input.buf.ptr, len)) return -1;
  clearEvents();
  return addNode(node);
}

export function nodeClose(handle: i32): void {
  if (handle >= 0 && handle < nodes.length) nodes[handle] = null;
}

/** Node information as JSON (virNodeInfo's fields). */
export function nodeInfo(handle: i32): i32 {
  const node = nodeAt(handle);
  if (node === null) return -1;
  const i = node.info;
  const out = io.output;
  out.str('{"model":"');
  out.str(i.model);
  out.str('","memory":');
  out.u64(i.memoryKiB);
  out.str(',"cpus":');
  out.u64(<u64>i.cpus);
  out.str(',"mhz":');
  out.u64(<u64>i.mhz);
  out.str(',"nodes":');
  out.u64(<u64>i.nodes);
  out.str(',"sockets":');
  out.u64(<u64>i.sockets);
  out.str(',"cores":');
  out.u64(<u64>i.cores);
  out.str(',"threads":');
  out.u64(<u64>i.threads);
  out.byte(125);
  return 0;
}

export function nodeCapabilities(handle: i32): i32 {
  const node = nodeAt(handle);
  if (node === null) return -1;
  capabilitiesOf(node, io.output);
  return 0;
}

// ---- defining and finding domains ------------------------------------------------------------------------

export function domainDefine(handle: i32, len: i32, flags: i32): i32 {
  const node = nodeAt(handle);
  if (node === null || !checkFlags(flags, 1, "testDomainDefineXMLFlags")) return -1;
  const def = node instanceof HostedNode ? hostedDefinitionFrom(changetype<HostedNode>(node), io.input, len, 2) : definitionFrom(io.input, len, 2);
  if (def === null) return -1;
  const obj = defineDomain(node, def);
  if (obj === null) return -1;
  putOneDomain(obj);
  return 0;
}

/** createXML, or (restored) the restore of a saved image. */
export function domainCreateXML(handle: i32, len: i32, flags: i32, restored: i32): i32 {
  const node = nodeAt(handle);
  if (node === null) return -1;
  const def = definitionFrom(io.input, len, 0);
  if (def === null) return -1;
  const obj = createDomain(node, def, flags, restored != 0);
  if (obj === null) return -1;
  putOneDomain(obj);
  return 0;
}

export function domainLookupByName(handle: i32, len: i32): i32 {
  const node = nodeAt(handle);
  if (node === null) return -1;
  const obj = node.list.findByName(String.UTF8.decodeUnsafe(io.input.buf.ptr, <usize>len));
  if (obj === null) return notFound();
  putOneDomain(obj);
  return 0;
}

export function domainLookupByUUID(handle: i32, a: i32, b: i32, c: i32, e: i32): i32 {
  const node = nodeAt(handle);
  if (node === null) return -1;
  const obj = node.list.findByUuid(words(a, b), words(c, e));
  if (obj === null) return notFound();
  putOneDomain(obj);
  return 0;
}

export function domainLookupByID(handle: i32, id: i32): i32 {
  const node = nodeAt(handle);
  if (node === null) return -1;
  const obj: DomainObj | null = id < 0 ? null : node.list.findById(id);
  if (obj === null) return notFound();
  putOneDomain(obj);
  return 0;
}

function notFound(): i32 {
  failBare(Code.NO_DOMAIN, From.DOMAIN, "Domain not found");
  return -1;
}

@inline function words(high: i32, low: i32): u64 {
  return (<u64>(<u32>high) << 32) | <u64>(<u32>low);
}

/** virConnectListAllDomains: the records of the matching domains. */
export function domainList(handle: i32, flags: i32): i32 {
  const node = nodeAt(handle);
  if (node === null || !checkFlags(flags, 0xffff, "testConnectListAllDomains")) return -1;
  beginDomains();
  const objects = node.list.objects;
  for (let i = 0; i < objects.length; i++) {
    const obj = objects[i];
    if (obj !== null && matches(obj, flags)) putDomain(obj);
  }
  endDomains();
  return 0;
}

/** libvirt's list filters: within each group of flags, a domain must match one that is set. */
function matches(obj: DomainObj, flags: i32): bool {
  if ((flags & 3) != 0 && !((flags & 1) != 0 && obj.active) && !((flags & 2) != 0 && !obj.active)) return false;
  if ((flags & 12) != 0 && !((flags & 4) != 0 && obj.persistent) && !((flags & 8) != 0 && !obj.persistent)) return false;
  if ((flags & 240) != 0) {
    const s = obj.state;
    const running = s == State.RUNNING;
    const paused = s == State.PAUSED;
    const shutoff = s == State.SHUTOFF;
    if (!((flags & 16) != 0 && running) && !((flags & 32) != 0 && paused) && !((flags & 64) != 0 && shutoff) && !((flags & 128) != 0 && !running && !paused && !shutoff)) return false;
  }
  if ((flags & 768) != 0 && !((flags & 256) != 0 && obj.hasManagedSave) && !((flags & 512) != 0 && !obj.hasManagedSave)) return false;
  if ((flags & 3072) != 0 && !((flags & 1024) != 0 && obj.autostart) && !((flags & 2048) != 0 && !obj.autostart)) return false;
  // no snapshots or checkpoints exist on this driver
  if ((flags & 12288) != 0 && (flags & 8192) == 0) return false;
  if ((flags & 49152) != 0 && (flags & 32768) == 0) return false;
  return true;
}

// ---- operations on a domain -----------------------------------------------------------------------------

export let current: DomainNode | null = null;

/** The domain the host means (UUID words, name in the input buffer), or null with the error set. */
export function target(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32): DomainObj | null {
  current = nodeAt(handle);
  if (current === null) return null;
  const hi = words(a, b);
  const lo = words(c, e);
  const obj = current!.list.findByUuid(hi, lo);
  if (obj !== null) return obj;
  const msg = beginError(Code.NO_DOMAIN, From.DOMAIN);
  msg.str("no domain with matching uuid '");
  formatUuidHalves(msg, hi, lo);
  msg.str("' (");
  msg.raw(io.input.buf.ptr, nameLen);
  msg.str(")");
  return null;
}

export const enum Op {
  CREATE = 1,
  DESTROY = 2,
  SHUTDOWN = 3,
  SUSPEND = 4,
  RESUME = 5,
  REBOOT = 6,
  RESET = 7,
  UNDEFINE = 8,
  MANAGED_SAVE = 9,
  MANAGED_SAVE_REMOVE = 10,
  SAVE_DONE = 11,
  SET_AUTOSTART = 12,
}

/** A state change (op) of a domain; returns 0 or -1. */
export function domainOp(handle: i32, op: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  const node = current!;
  let ok = false;
  switch (op) {
    case Op.CREATE:
      ok = startDomain(node, obj, flags);
      break;
    case Op.DESTROY:
      ok = destroyDomain(node, obj, flags);
      break;
    case Op.SHUTDOWN:
      ok = shutdownDomain(node, obj, flags);
      break;
    case Op.SUSPEND:
      ok = suspendDomain(obj);
      break;
    case Op.RESUME:
      ok = resumeDomain(obj);
      break;
    case Op.REBOOT:
      ok = rebootDomain(node, obj, flags);
      break;
    case Op.RESET:
      ok = resetDomain(obj, flags);
      break;
    case Op.UNDEFINE:
      ok = undefineDomain(node, obj, flags);
      break;
    case Op.MANAGED_SAVE:
      ok = managedSaveDomain(node, obj, flags);
      break;
    case Op.MANAGED_SAVE_REMOVE:
      ok = checkFlags(flags, 0, "testDomainManagedSaveRemove");
      if (ok) obj.hasManagedSave = false;
      break;
    case Op.SAVE_DONE:
      saveDone(node, obj);
      ok = true;
      break;
    case Op.SET_AUTOSTART:
      ok = setAutostart(obj, flags != 0);
      break;
    default:
      beginError(Code.INTERNAL_ERROR, From.NONE).str("unknown domain operation");
  }
  return ok ? 0 : -1;
}

/**
 * [state][reason][max memory KiB f64][memory KiB f64][vCPUs][id][cpu time ns f64]
 * [persistent][autostart][managed save], all i32 unless marked.
 */
export function domainInfo(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  putI32(obj.state);
  putI32(obj.reason);
  putF64(<f64>obj.def.memoryKiB);
  putF64(<f64>obj.def.currentKiB);
  putI32(obj.def.vcpus);
  putI32(obj.id);
  putF64(cpuTimeNs());
  putI32(obj.persistent ? 1 : 0);
  putI32(obj.autostart ? 1 : 0);
  putI32(obj.hasManagedSave ? 1 : 0);
  return 0;
}

/** virDomainGetOSType: libvirt's test driver answers "linux" for every domain; others the XML's. */
export function domainOSType(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  io.output.str(current! instanceof HostedNode ? obj.def.osType : "linux");
  return 0;
}

export function domainXML(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  const xml = xmlOf(obj, flags);
  if (xml === null) return -1;
  putBytes(xml);
  return 0;
}

/** The image save() writes; the domain stops when the host reports the write (Op.SAVE_DONE). */
export function domainSaveImage(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  const xml = saveImage(obj, flags);
  if (xml === null) return -1;
  putBytes(xml);
  return 0;
}

export function domainSetMemory(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, kib: f64, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  if (!(kib >= 0) || kib > 9007199254740991) {
    beginError(Code.INVALID_ARG, From.NONE).str("memory value out of range");
    return -1;
  }
  return setMemory(obj, <u64>kib, flags) ? 0 : -1;
}

export function domainSetVcpus(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, count: i32, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  return setVcpus(obj, count, flags) ? 0 : -1;
}

export function domainGetVcpus(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  return getVcpus(obj, flags);
}

/** Scheduler parameters as text lines "field\ttype\tvalue" (virTypedParameterType numbers). */
export function domainSchedParams(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  const weight = getWeight(obj, flags);
  if (weight < 0) return -1;
  io.output.str("weight\t2\t");
  io.output.u64(<u64>weight);
  io.output.byte(10);
  return 0;
}

/** Sets scheduler parameters given (after the name, in the input) as "field\ttype\tvalue" lines. */
export function domainSetSchedParams(handle: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, paramsLen: i32, flags: i32): i32 {
  const obj = target(handle, a, b, c, e, nameLen);
  if (obj === null) return -1;
  const buf = io.input.buf;
  let pos = nameLen;
  const end = nameLen + paramsLen;
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
      return -1;
    }
    if (!buf.equals(tab1 + 1, tab2 - tab1 - 1, "2")) {
      const m = beginError(Code.INVALID_ARG, From.NONE);
      m.str("invalid type '");
      m.str(typeName(buf, tab1 + 1, tab2 - tab1 - 1));
      m.str("' for parameter 'weight', expected 'uint'");
      return -1;
    }
    let v: i64 = 0;
    for (let i = tab2 + 1; i < eol; i++) {
      const ch = <i32>buf.at(i);
      if (ch < 48 || ch > 57 || v > 0xffffffff) {
        beginError(Code.INVALID_ARG, From.NONE).str("invalid value for parameter 'weight'");
        return -1;
      }
      v = v * 10 + (ch - 48);
    }
    if (v > 0xffffffff) {
      beginError(Code.INVALID_ARG, From.NONE).str("invalid value for parameter 'weight'");
      return -1;
    }
    weight = v;
    pos = eol + 1;
  }
  if (weight < 0) return 0;
  return setWeight(obj, <u32>weight, flags) ? 0 : -1;
}

const TYPE_NAMES: StaticArray<string> = ["", "int", "uint", "llong", "ullong", "double", "boolean", "string"];

function typeName(buf: ByteBuf, off: i32, len: i32): string {
  for (let t = 1; t < TYPE_NAMES.length; t++) if (buf.equals(off, len, t.toString())) return TYPE_NAMES[t];
  return "unknown";
}

// ---- events ------------------------------------------------------------------------------------------------

/** Moves the pending lifecycle events to the output; returns how many there were. */
export function takeEvents(): i32 {
  const n = eventCount();
  io.output.slice(pendingEvents, 0, pendingEvents.length);
  clearEvents();
  return n;
}
