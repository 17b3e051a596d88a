// core.wasm's host interface is deliberately small: this pins it, so a new import is a decision.
import test from "ava";
import { coreModule } from "../../src/host/core.js";

test("core.wasm imports exactly the allowlisted host functions", (t) => {
  const imports = WebAssembly.Module.imports(coreModule()).map((i) => `${i.module}.${i.name}`).sort();
  t.deepEqual(imports, [
    "shim.clock_ms", // wall clock: the test driver reports CPU time from it, as libvirt's does
    "shim.random_fill", // randomness for generated UUIDs and MAC addresses
    "wasi_snapshot_preview1.fd_write", // the abort message (bugs only)
    "wasi_snapshot_preview1.proc_exit", // the abort itself (bugs only)
  ]);
});

test("core.wasm exports the documented operations", (t) => {
  const exports = WebAssembly.Module.exports(coreModule()).map((e) => e.name).sort();
  t.deepEqual(exports, [
    "_initialize",
    "canonicalize",
    "domainCreateXML",
    "domainDefine",
    "domainGetVcpus",
    "domainInfo",
    "domainList",
    "domainLookupByID",
    "domainLookupByName",
    "domainLookupByUUID",
    "domainOSType",
    "domainOp",
    "domainSaveImage",
    "domainSchedParams",
    "domainSetMemory",
    "domainSetSchedParams",
    "domainSetVcpus",
    "domainXML",
    "hostedCheckActive",
    "hostedCheckPause",
    "hostedCommitCreate",
    "hostedCommitPause",
    "hostedCommitStart",
    "hostedCommitStopped",
    "hostedNodeOpen",
    "hostedPlanCreate",
    "hostedPlanStart",
    "hostedRestoreRunning",
    "hostedSetPty",
    "inputBuffer",
    "lastErrorCode",
    "lastErrorDomain",
    "lxcSchedParams",
    "lxcSetMemory",
    "lxcSetSchedParams",
    "memory",
    "nodeCapabilities",
    "nodeClose",
    "nodeFileRefs",
    "nodeInfo",
    "nodeOpenDefault",
    "nodeOpenFile",
    "outputLen",
    "outputPtr",
    "parseToJSON",
    "parseXML",
    "setDefaultArch",
    "takeEvents",
    "vmmAfterStop",
    "vmmBootPlan",
    "vmmConsoleInput",
    "vmmCoreDumpHeader",
    "vmmCpuid",
    "vmmEvents",
    "vmmIrqRouting",
    "vmmLapic",
    "vmmPortIn",
    "vmmPortOut",
    "vmmPowerButton",
    "vmmTakeOutput",
    "xmlRoundTrip",
  ]);
});
