// core.wasm's exports. The host writes a UTF-8 document into the buffer returned by
// inputBuffer(), calls an operation with its length, and reads the result (or the error
// message) from outputPtr()/outputLen(). Every operation returns 0 on success, -1 on error.
import { errorCode, errorDomain, errorMessage, clearError } from "./errors";
import { ByteBuf } from "./util/bytes";
import { Doc } from "./xml/dom";
import { parseDocument, reserveInput } from "./xml/parser";
import { writeElement } from "./xml/writer";
import { canonicalizeDoc, writeDomain } from "./domain/canonical";
import { writeDomainJSON } from "./domain/json";
import { ctx } from "./domain/context";
import * as api from "./exports/domains";
import * as hosted from "./exports/hosted";
import * as lxc from "./exports/lxc";
import * as vmm from "./exports/vmm";
import { clearEvents, eventCount } from "./node/events";

const doc = new Doc();
const output = new ByteBuf(16384);
let outputIsError = false;
api.bindIo(new api.Io(doc, output));

export function inputBuffer(len: i32): usize {
  return reserveInput(doc, len);
}

export function outputPtr(): usize {
  return outputIsError ? errorMessage.ptr : output.ptr;
}

export function outputLen(): i32 {
  return outputIsError ? errorMessage.length : output.length;
}

export function lastErrorCode(): i32 {
  return errorCode;
}

export function lastErrorDomain(): i32 {
  return errorDomain;
}

// The core is built with AssemblyScript's minimal runtime: no shadow stack (half the cost of
// every call with the incremental one), and garbage is collected only when asked. Operations
// allocate little, so every 256th operation collects, at its very end: no wasm frame is live
// then and the host holds no references, so the globals are the only roots.
let operationsSinceCollect = 0;

function done(ok: bool): i32 {
  outputIsError = !ok;
  if (++operationsSinceCollect >= 256) {
    operationsSinceCollect = 0;
    __collect();
  }
  return ok ? 0 : -1;
}

/** The arch <os><type> gets when it names none: 0 = x86_64 (host), 1 = i686 (test driver). */
export function setDefaultArch(which: i32): void {
  ctx.defaultArch = which == 1 ? "i686" : "x86_64";
}

/** Domain XML → libvirt-canonical domain XML. flags: 1 SECURE, 2 INACTIVE (virDomainXMLFlags). */
export function canonicalize(len: i32, flags: i32): i32 {
  clearError();
  output.clear();
  if (!canonicalizeDoc(doc, len, flags)) return done(false);
  writeDomain(output, doc);
  return done(true);
}

/** Domain XML → the validated definition as JSON (the typed view JS users get). */
export function parseToJSON(len: i32, flags: i32): i32 {
  clearError();
  output.clear();
  if (!canonicalizeDoc(doc, len, flags)) return done(false);
  writeDomainJSON(output, doc);
  return done(true);
}

/** Only parses (no domain rules, no output): measures the raw parser. */
export function parseXML(len: i32): i32 {
  clearError();
  output.clear();
  return done(parseDocument(doc, len, "(domain_definition)"));
}

/** Parses and re-serialises any XML document (no domain semantics): the parser's own check. */
export function xmlRoundTrip(len: i32): i32 {
  clearError();
  output.clear();
  if (!parseDocument(doc, len, "(domain_definition)")) return done(false);
  writeElement(output, doc, doc.root, 0);
  return done(true);
}

// ---- nodes and domains (exports/domains.ts); each returns a status (or a count) >= 0, or -1 ----

/**
 * Each operation starts with no pending events: the host takes an operation's events right
 * after it (when it has listeners), so older ones are stale.
 */
function begin(): void {
  clearError();
  output.clear();
  clearEvents();
}

/** Like finish(), for operations that change state: their result is the number of events they caused. */
function finishChange(status: i32): i32 {
  return finish(status < 0 ? status : eventCount());
}

/** Like done(), for operations whose non-negative result is a value. */
function finish(result: i32): i32 {
  done(result >= 0);
  return result;
}

export function nodeOpenDefault(): i32 {
  begin();
  return finish(api.nodeOpenDefault());
}

export function nodeFileRefs(len: i32): i32 {
  begin();
  return finish(api.nodeFileRefs(len));
}

export function nodeOpenFile(len: i32): i32 {
  begin();
  return finish(api.nodeOpenFile(len));
}

export function nodeClose(node: i32): void {
  api.nodeClose(node);
}

export function nodeInfo(node: i32): i32 {
  begin();
  return finish(api.nodeInfo(node));
}

export function nodeCapabilities(node: i32): i32 {
  begin();
  return finish(api.nodeCapabilities(node));
}

export function domainDefine(node: i32, len: i32, flags: i32): i32 {
  begin();
  return finishChange(api.domainDefine(node, len, flags));
}

export function domainCreateXML(node: i32, len: i32, flags: i32, restored: i32): i32 {
  begin();
  return finishChange(api.domainCreateXML(node, len, flags, restored));
}

export function domainLookupByName(node: i32, len: i32): i32 {
  begin();
  return finish(api.domainLookupByName(node, len));
}

export function domainLookupByUUID(node: i32, a: i32, b: i32, c: i32, e: i32): i32 {
  begin();
  return finish(api.domainLookupByUUID(node, a, b, c, e));
}

export function domainLookupByID(node: i32, id: i32): i32 {
  begin();
  return finish(api.domainLookupByID(node, id));
}

export function domainList(node: i32, flags: i32): i32 {
  begin();
  return finish(api.domainList(node, flags));
}

export function domainOp(node: i32, op: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  begin();
  return finishChange(api.domainOp(node, op, a, b, c, e, nameLen, flags));
}

export function domainInfo(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32): i32 {
  begin();
  return finish(api.domainInfo(node, a, b, c, e, nameLen));
}

export function domainOSType(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32): i32 {
  begin();
  return finish(api.domainOSType(node, a, b, c, e, nameLen));
}

export function domainXML(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  begin();
  return finish(api.domainXML(node, a, b, c, e, nameLen, flags));
}

export function domainSaveImage(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  begin();
  return finish(api.domainSaveImage(node, a, b, c, e, nameLen, flags));
}

export function domainSetMemory(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, kib: f64, flags: i32): i32 {
  begin();
  return finish(api.domainSetMemory(node, a, b, c, e, nameLen, kib, flags));
}

export function domainSetVcpus(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, count: i32, flags: i32): i32 {
  begin();
  return finish(api.domainSetVcpus(node, a, b, c, e, nameLen, count, flags));
}

export function domainGetVcpus(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  begin();
  return finish(api.domainGetVcpus(node, a, b, c, e, nameLen, flags));
}

export function domainSchedParams(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  begin();
  return finish(api.domainSchedParams(node, a, b, c, e, nameLen, flags));
}

export function domainSetSchedParams(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, paramsLen: i32, flags: i32): i32 {
  begin();
  return finish(api.domainSetSchedParams(node, a, b, c, e, nameLen, paramsLen, flags));
}

export function takeEvents(): i32 {
  clearError();
  output.clear();
  return finish(api.takeEvents());
}

// ---- hosted nodes, lxc:/// and kvm:/// (exports/hosted.ts) ------------------------------------------

export function hostedNodeOpen(len: i32): i32 {
  begin();
  return finish(hosted.hostedNodeOpen(len));
}

export function hostedPlanStart(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32): i32 {
  begin();
  return finish(hosted.hostedPlanStart(node, a, b, c, e, nameLen));
}

export function hostedPlanCreate(node: i32, len: i32): i32 {
  begin();
  return finish(hosted.hostedPlanCreate(node, len));
}

export function hostedCommitCreate(node: i32, len: i32, id: i32): i32 {
  begin();
  return finishChange(hosted.hostedCommitCreate(node, len, id));
}

export function hostedCommitStart(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, id: i32, paused: i32, announce: i32): i32 {
  begin();
  return finishChange(hosted.hostedCommitStart(node, a, b, c, e, nameLen, id, paused, announce));
}

export function hostedRestoreRunning(node: i32, len: i32, id: i32, paused: i32, reason: i32): i32 {
  begin();
  return finish(hosted.hostedRestoreRunning(node, len, id, paused, reason));
}

export function hostedCommitStopped(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, reason: i32, announce: i32): i32 {
  begin();
  return finishChange(hosted.hostedCommitStopped(node, a, b, c, e, nameLen, reason, announce));
}

export function hostedCheckActive(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, running: i32): i32 {
  begin();
  return finish(hosted.hostedCheckActive(node, a, b, c, e, nameLen, running));
}

export function hostedCheckPause(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, pause: i32): i32 {
  begin();
  return finish(hosted.hostedCheckPause(node, a, b, c, e, nameLen, pause));
}

export function hostedCommitPause(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, pause: i32): i32 {
  begin();
  return finishChange(hosted.hostedCommitPause(node, a, b, c, e, nameLen, pause));
}

export function hostedSetPty(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, ptyLen: i32): i32 {
  begin();
  return finish(hosted.hostedSetPty(node, a, b, c, e, nameLen, ptyLen));
}

// ---- lxc:/// only (exports/lxc.ts) -------------------------------------------------------------------

export function lxcSetMemory(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, kib: f64, flags: i32): i32 {
  begin();
  return finish(lxc.lxcSetMemory(node, a, b, c, e, nameLen, kib, flags));
}

export function lxcSchedParams(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, flags: i32): i32 {
  begin();
  return finish(lxc.lxcSchedParams(node, a, b, c, e, nameLen, flags));
}

export function lxcSetSchedParams(node: i32, a: i32, b: i32, c: i32, e: i32, nameLen: i32, paramsLen: i32, flags: i32): i32 {
  begin();
  return finish(lxc.lxcSetSchedParams(node, a, b, c, e, nameLen, paramsLen, flags));
}

// ---- kvm:/// VMM (exports/vmm.ts); the exit path is called directly, without the wrappers ----

export function vmmBootPlan(headerLen: i32, cmdlineLen: i32, kernelSize: f64, initrdSize: f64, memoryBytes: f64, vcpus: i32): i32 {
  begin();
  return finish(vmm.vmmBootPlan(headerLen, cmdlineLen, kernelSize, initrdSize, memoryBytes, vcpus));
}

export function vmmLapic(): i32 {
  begin();
  return finish(vmm.vmmLapic());
}

export function vmmIrqRouting(): i32 {
  begin();
  return finish(vmm.vmmIrqRouting());
}

export function vmmCpuid(count: i32, index: i32, vcpus: i32): i32 {
  begin();
  return finish(vmm.vmmCpuid(count, index, vcpus));
}

export function vmmCoreDumpHeader(vcpus: i32, memoryBytes: f64): i32 {
  begin();
  return finish(vmm.vmmCoreDumpHeader(vcpus, memoryBytes));
}

export { vmmPortIn, vmmPortOut, vmmEvents, vmmTakeOutput, vmmConsoleInput, vmmPowerButton, vmmAfterStop } from "./exports/vmm";
