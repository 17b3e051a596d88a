// The ABI between core.wasm and its host, declared once. scripts/gen-abi.mjs turns this table into
// core.wasm's export wrappers (core-wasm/abi/exports.gen.ts), the enums both sides share
// (core-wasm/abi/enums.gen.ts, src/libvirt-enums.gen.ts) and the typed TypeScript client
// (src/host/core-abi.gen.ts). To add an operation: declare it here, write its implementation in
// core-wasm/operations/, run `npm run build:wasm`, and call it as `core.<name>(...)`.
//
// Calling convention. Scalar arguments travel as wasm parameters: `node` (a node handle), i32, f64
// and bool (0 or 1). Input fields travel in core.wasm's input buffer, in order: a `document`
// (UTF-8, raw: the only field, parsed in place), `text` and `bytes` (a u32 length, then the
// bytes), `uuid` (16 bytes, RFC 4122 order) and records. Every operation returns 0, or -1 with
// the error (lastErrorCode, lastErrorDomain, the message as output). Its result is the output
// buffer: `text`, `bytes`, a record, `list:<record or string>` (a u32 count, then the items) or
// `i32`. An input `list:bytes` is a u32 count, then each item as `bytes`.
// Numbers in records are little-endian; a string is a u32 length and UTF-8 bytes; a uuid is 16
// bytes in RFC 4122 (big-endian) order everywhere. Operations marked `events` may cause
// lifecycle events (takeEvents hands them over). `direct` operations are the VMM's exit path:
// numbers in, a number out, no error and no buffers.

/** Records: fields in order (i32, f64, bool as an i32, string, uuid, or another record). */
export const records = {
  DomainKey: { doc: "A domain as the host names it: its UUID, and its name for error messages.", fields: { uuid: "uuid", name: "string" } },
  DomainRecord: { doc: "A domain in answers: its id (-1 when inactive), UUID and name.", fields: { id: "i32", uuid: "uuid", name: "string" } },
  DomainInfo: {
    doc: "A domain's registry entry (virDomainInfo and its flags).",
    fields: { state: "i32", reason: "i32", maxMem: "f64", memory: "f64", nrVirtCpu: "i32", id: "i32", cpuTime: "f64", persistent: "bool", autostart: "bool", hasManagedSave: "bool" },
  },
  DomainEntry: { doc: "A domain in a listing with its registry entry.", fields: { domain: "DomainRecord", info: "DomainInfo" } },
  LifecycleEventRecord: { doc: "A lifecycle event (virDomainEventType, its detail) and its domain.", fields: { event: "i32", detail: "i32", domain: "DomainRecord" } },
  NodeInfo: {
    doc: "virNodeInfo (memory in KiB).",
    fields: { model: "string", memory: "f64", cpus: "i32", mhz: "i32", nodes: "i32", sockets: "i32", cores: "i32", threads: "i32" },
  },
};

/**
 * Operations: `args` (scalars, in order), `input` (fields in the input buffer), `output`.
 * Implementations live in core-wasm/operations/<module>.ts under the same name and take the
 * node (when there is one), then the input fields (a record as its class, text as a string,
 * bytes and lists as a pointer and a length, a document as its length), then the other
 * arguments; the typed client's methods take theirs in the same order. They write the output and
 * return true, or set the error and return false.
 */
export const operations = {
  // ---- documents (operations/documents.ts) ----
  canonicalize: { module: "documents", input: { xml: "document" }, args: { flags: "i32" }, output: "text", doc: "Domain XML → libvirt-canonical domain XML (flags: virDomainXMLFlags SECURE, INACTIVE)." },
  parseToJSON: { module: "documents", input: { xml: "document" }, args: { flags: "i32" }, output: "text", doc: "Domain XML → the validated definition as JSON." },
  parseXML: { module: "documents", input: { xml: "document" }, output: "void", doc: "Only parses (no rules, no output): measures the raw parser." },
  networkCanonicalize: { module: "documents", input: { xml: "document" }, args: { flags: "i32" }, output: "text", doc: "Network XML → libvirt-canonical network XML (flags: virNetworkXMLFlags INACTIVE), or libvirt's parse error." },
  kvmDefinitionAddresses: { module: "documents", input: { xml: "document" }, args: { flags: "i32" }, output: "text", doc: "Domain XML → canonical XML with the PCI addresses (and PCI controllers) kvm:/// gives a definition: libvirt qemu driver's assignment (drivers/kvm/pci-addresses.ts). Every device kind is placed; which ones kvm:/// runs is decided at define." },
  documentName: { module: "documents", input: { xml: "document" }, output: "text", doc: "The domain's <name> as written (parsed, no rules): what a hosted createXML names its files after." },
  documentUuid: { module: "documents", input: { xml: "document" }, output: "text", doc: "The domain's <uuid> in canonical form, \"\" when it has none or not a valid one (parsed, no rules): what an in-flight hosted start reserves." },
  xmlRoundTrip: { module: "documents", input: { xml: "document" }, output: "text", doc: "Parses and re-serialises any XML document: the parser's own check." },

  // ---- nodes (operations/nodes.ts) ----
  nodeOpenDefault: { module: "nodes", output: "i32", doc: "test:///default: a new node with libvirt's default domain; returns its handle." },
  nodeFileRefs: { module: "nodes", input: { xml: "bytes" }, output: "list:string", doc: "The files a node file's domains refer to, for the host to read." },
  nodeOpenFile: { module: "nodes", input: { xml: "bytes", files: "list:bytes" }, output: "i32", doc: "A node from a node file and the contents of the files it refers to, in order." },
  nodeClose: { module: "nodes", args: { node: "node" }, output: "void", doc: "Forgets a node." },
  nodeInfo: { module: "nodes", args: { node: "node" }, output: "NodeInfo" },
  nodeCapabilities: { module: "nodes", args: { node: "node" }, output: "text", doc: "The capabilities XML." },

  // ---- domains (operations/domains.ts) ----
  domainDefine: { module: "domains", args: { node: "node", flags: "i32" }, input: { xml: "document" }, output: "DomainRecord", events: true },
  domainCreateXML: { module: "domains", args: { node: "node", flags: "i32", restored: "bool" }, input: { xml: "document" }, output: "DomainRecord", events: true, doc: "createXML, or (restored) the restore of a saved image." },
  domainLookupByName: { module: "domains", args: { node: "node" }, input: { name: "text" }, output: "DomainRecord" },
  domainLookupByUUID: { module: "domains", args: { node: "node" }, input: { uuid: "uuid" }, output: "DomainRecord" },
  domainLookupByID: { module: "domains", args: { node: "node", id: "i32" }, output: "DomainRecord" },
  domainList: { module: "domains", args: { node: "node", flags: "i32" }, output: "list:DomainRecord", doc: "virConnectListAllDomains: the matching domains." },
  domainListInfo: { module: "domains", args: { node: "node", flags: "i32" }, output: "list:DomainEntry", doc: "virConnectGetAllDomainStats's listing: the matching domains (as domainList), each with its registry entry (as domainInfo), at one instant." },
  domainOp: { module: "domains", args: { node: "node", op: "i32", flags: "i32" }, input: { key: "DomainKey" }, output: "void", events: true, doc: "A state change the core makes by itself (op: DomainOp; for SET_AUTOSTART flags is the value)." },
  domainInfo: { module: "domains", args: { node: "node" }, input: { key: "DomainKey" }, output: "DomainInfo" },
  domainOSType: { module: "domains", args: { node: "node" }, input: { key: "DomainKey" }, output: "text" },
  domainXML: { module: "domains", args: { node: "node", flags: "i32" }, input: { key: "DomainKey" }, output: "text" },
  domainSaveImage: { module: "domains", args: { node: "node", flags: "i32" }, input: { key: "DomainKey" }, output: "text", doc: "The image save() writes; the domain stops when the host reports the write (DomainOp.SAVE_DONE)." },
  domainSetMemory: { module: "domains", args: { node: "node", kib: "f64", flags: "i32" }, input: { key: "DomainKey" }, output: "void" },
  domainSetVcpus: { module: "domains", args: { node: "node", count: "i32", flags: "i32" }, input: { key: "DomainKey" }, output: "void" },
  domainGetVcpus: { module: "domains", args: { node: "node", flags: "i32" }, input: { key: "DomainKey" }, output: "i32" },
  domainSchedParams: { module: "domains", args: { node: "node", flags: "i32" }, input: { key: "DomainKey" }, output: "text", doc: "Scheduler parameters as \"field\\ttype\\tvalue\" lines (ParamType numbers)." },
  domainSetSchedParams: { module: "domains", args: { node: "node", flags: "i32" }, input: { key: "DomainKey", params: "text" }, output: "void", doc: "Sets scheduler parameters given as such lines." },
  takeEvents: { module: "domains", output: "list:LifecycleEventRecord", keepsEvents: true, doc: "Hands over (and forgets) the pending lifecycle events." },

  // ---- hosted nodes, lxc:/// and kvm:/// (operations/hosted.ts) ----
  hostedNodeOpen: { module: "hosted", input: { kind: "text", runDir: "text", dumpDir: "text", cgroups: "text" }, output: "i32", doc: "A new hosted node: kind lxc or kvm, its run and dump directories, and the host's cgroup mounts as CgroupLayout.parse reads them (src/drivers/lxc/host.ts cgroupFacts)." },
  hostedPlanStart: { module: "hosted", args: { node: "node" }, input: { key: "DomainKey" }, output: "text", doc: "The plan starting a defined domain." },
  hostedPlanCreate: { module: "hosted", args: { node: "node" }, input: { xml: "document" }, output: "text", doc: "The plan for createXML, checked against the registry." },
  hostedCommitCreate: { module: "hosted", args: { node: "node", id: "i32" }, input: { xml: "document" }, output: "DomainRecord", events: true, doc: "createXML's plan ran: the definition becomes a running domain `id`." },
  hostedCommitStart: { module: "hosted", args: { node: "node", id: "i32", paused: "bool", announce: "bool" }, input: { key: "DomainKey" }, output: "void", events: true, doc: "A defined domain's plan ran: it runs (or is paused) as `id`; announce: emit the event." },
  hostedRestoreRunning: { module: "hosted", args: { node: "node", id: "i32", state: "i32", reason: "i32" }, input: { xml: "document" }, output: "void", doc: "An active domain found when the node opened: its live XML, state and reason." },
  hostedCommitStopped: { module: "hosted", args: { node: "node", reason: "i32", announce: "bool" }, input: { key: "DomainKey" }, output: "void", events: true, doc: "The domain ended (reason: ShutoffReason)." },
  hostedCheckActive: { module: "hosted", args: { node: "node", running: "bool" }, input: { key: "DomainKey" }, output: "void", doc: "Whether the domain is active (running false: destroy, console) or running its guest (true: shutdown, reboot, reset)." },
  hostedCheckPause: { module: "hosted", args: { node: "node", pause: "bool" }, input: { key: "DomainKey" }, output: "void", doc: "Whether the domain may be suspended (pause) or resumed now." },
  hostedCommitPause: { module: "hosted", args: { node: "node", pause: "bool" }, input: { key: "DomainKey" }, output: "void", events: true },
  hostedSetHostSide: { module: "hosted", args: { node: "node" }, input: { key: "DomainKey", pty: "text", taps: "text" }, output: "void", doc: "What the running domain's start made on the host, into its live XML: its serial line's pty (empty: none) and its NICs' taps (tab-separated, in <interface> order; empty: none) in <target dev>." },
  hostedSaveDefinitions: { module: "hosted", args: { node: "node" }, output: "bytes", doc: "Every persistent domain's configuration as one blob hostedLoadDefinitions reads back without parsing XML (objects/definition-snapshot.ts)." },
  hostedLoadDefinitions: { module: "hosted", args: { node: "node" }, input: { blob: "bytes" }, output: "i32", doc: "Adds a saved blob's definitions (persistent, inactive) but those whose name or UUID the registry holds; returns how many it added. A damaged blob adds nothing." },

  // ---- lxc:/// (operations/lxc.ts) ----
  kvmSetMemory: { module: "kvm", args: { node: "node", kib: "f64", flags: "i32" }, input: { key: "DomainKey" }, output: "text", doc: "virDomainSetMemoryFlags; when it reaches the running guest, the 4 KiB pages its balloon should hold (decimal), else empty." },
  lxcSetMemory: { module: "lxc", args: { node: "node", kib: "f64", flags: "i32" }, input: { key: "DomainKey" }, output: "text", doc: "virDomainSetMemoryFlags, then the cgroup writes (plan lines) that carry it to the running container (none when it does not reach it)." },
  lxcSchedParams: { module: "lxc", args: { node: "node", flags: "i32" }, input: { key: "DomainKey" }, output: "text", doc: "The \"posix\" scheduler's parameters of the selected definition (\"field\\ttype\\tvalue\" lines); for a running container's live one, then \"host-sched-param\" lines saying where its cgroups hold them." },
  lxcSetSchedParams: { module: "lxc", args: { node: "node", flags: "i32" }, input: { key: "DomainKey", params: "text" }, output: "text", doc: "Sets parameters given as such lines, then the cgroup writes as lxcSetMemory." },

  // ---- the kvm:/// VMM (operations/vmm.ts) ----
  vmmBootPlan: { module: "vmm", args: { kernelSize: "f64", initrdSize: "f64", memoryBytes: "f64", vcpus: "i32" }, input: { header: "bytes", cmdline: "text" }, output: "bytes", doc: "The boot records for a bzImage (its header's first bytes) and command line (vmm/boot.ts)." },
  vmmCpuid: { module: "vmm", args: { index: "i32", vcpus: "i32", tscDeadline: "i32" }, input: { entries: "bytes" }, output: "bytes", doc: "vCPU `index` of `vcpus`: the kvm_cpuid_entry2 entries KVM supports, patched (tscDeadline: 1 where KVM has KVM_CAP_TSC_DEADLINE_TIMER)." },
  vmmLapic: { module: "vmm", input: { lapic: "bytes" }, output: "bytes", doc: "A vCPU's struct kvm_lapic_state, wired as a PC's." },
  vmmIrqRouting: { module: "vmm", output: "bytes", doc: "The VM's GSI routing (struct kvm_irq_routing)." },
  vmmCoreDumpHeader: { module: "vmm", args: { vcpus: "i32", memoryBytes: "f64" }, input: { registers: "bytes" }, output: "bytes", doc: "An ELF core file's headers and notes; registers: each vCPU's kvm_regs and kvm_sregs (vmm/core-dump.ts)." },
  vmmTakeOutput: { module: "vmm", output: "bytes", doc: "The UART's pending output." },
  vmmConsoleInput: { module: "vmm", input: { data: "bytes" }, output: "void", doc: "Bytes typed on the console." },
  vmmPortIn: { module: "vmm", direct: true, args: { port: "i32", size: "i32" }, result: "i32" },
  vmmPortOut: { module: "vmm", direct: true, args: { port: "i32", size: "i32", value: "i32" }, result: "void" },
  vmmPciBridges: { module: "vmm", input: { records: "bytes" }, output: "void", doc: "The domain's PCI bridges (i32 records: bus index, model 0 pci-bridge / 1 pcie-root-port, parent bus, devfn), built at the next boot plan." },
  vmmPciDevices: { module: "vmm", input: { records: "bytes" }, output: "void", doc: "The domain's PCI devices (12-word records: kind 1 virtio-rng, 2 virtio-blk, 3 virtio-balloon or 4 virtio-net, bus, devfn, disk or tap handle, flags, disk size low (a NIC's mtu), size high, 20-byte serial (a NIC's 6-byte MAC)), plugged in at the next boot plan." },
  vmmImageOpen: { module: "vmm", args: { handle: "i32", fileBytes: "f64", format: "i32", upper: "i32", writable: "bool" }, input: { path: "text" }, output: "text", doc: "The file opened as `handle` (fileBytes long, at path) becomes a disk image of `format` (0 raw, 1 qcow2), written by the guest when `writable`; with upper ≥ 0 it backs the image opened on that handle. The output names the backing file to open next (\"FORMAT\\tPATH\"), empty at the chain's end." },
  imageCapacity: { module: "vmm", args: { fileBytes: "f64" }, input: { header: "bytes" }, output: "text", doc: "The bytes a guest sees of a qcow2 image (decimal), from its first bytes (at least 512) and its file's size: what domblkinfo calls capacity." },
  vmmImageClose: { module: "vmm", args: { handle: "i32" }, output: "void", doc: "The host closed a disk file: the core forgets its image, counters and chain." },
  vmmBlockStats: { module: "vmm", output: "bytes", doc: "Each virtio disk's counters (i32 handle, i32 0, then f64 read requests, read bytes, write requests, write bytes, flush requests: 48 bytes)." },
  vmmNetPoll: { module: "vmm", direct: true, result: "void", doc: "Frames may wait on the NICs' taps (vCPU 0 was woken for one, or a slice ended): each NIC receives what its queue has room for." },
  vmmNetPause: { module: "vmm", direct: true, args: { paused: "i32" }, result: "void", doc: "The guest is paused (1: suspend, a kept crash, a memory dump) or runs again (0): NICs that vhost-net serves stop moving frames meanwhile (VHOST records)." },
  vmmNetStats: { module: "vmm", output: "bytes", doc: "Each virtio NIC's counters (i32 tap handle, i32 0, then f64 frames received, bytes received, frames sent, bytes sent, send errors: 48 bytes)." },
  vmmBalloonTarget: { module: "vmm", direct: true, args: { pages: "i32" }, result: "i32", doc: "setmem --live: the 4 KiB pages the guest should give up (kept across its reboots); 1, or 0 when the machine has no balloon." },
  vmmBalloonRefresh: { module: "vmm", direct: true, result: "i32", doc: "Asks the guest for fresh memory statistics: 1 asked, 0 none to ask for yet, -1 no balloon." },
  vmmBalloonState: { module: "vmm", output: "bytes", doc: "The balloon: u32 target pages, u32 actual pages, f64 clock ms of the last stats (0 never), ten f64 stats by virtio tag (-1 unreported)." },
  vmmTakeDiscards: { module: "vmm", output: "bytes", doc: "Guest RAM ranges the balloon took since the last call (f64 start, f64 bytes each), for the host to discard." },
  vmmTakeMsis: { module: "vmm", output: "bytes", doc: "The MSI messages raised since the last call (u32 address low, address high, data each), for KVM_SIGNAL_MSI." },
  vmmTakeVhost: { module: "vmm", output: "bytes", doc: "What the host must do on vhost-net and KVM for the NICs since the last call (48-byte records: vmm/virtio/vhost-program.ts)." },
  vmmMmioRead: { module: "vmm", direct: true, args: { address: "f64", size: "i32" }, result: "i32", doc: "A guest's MMIO read (1, 2, 4 or 8 bytes): the low 32 bits; vmmMmioReadHigh gives the rest." },
  vmmMmioReadHigh: { module: "vmm", direct: true, result: "i32", doc: "The upper 32 bits of the last 8-byte vmmMmioRead." },
  vmmMmioWrite: { module: "vmm", direct: true, args: { address: "f64", size: "i32", low: "i32", high: "i32" }, result: "void", doc: "A guest's MMIO write of `size` bytes (value = high:low)." },
  vmmEvents: { module: "vmm", direct: true, result: "i32", doc: "What changed since the last call: VmmEvent bits." },
  vmmPowerButton: { module: "vmm", direct: true, result: "void", doc: "The guest's power button is pressed (libvirt's shutdown; reboot asks the same way)." },
  vmmAfterStop: { module: "vmm", direct: true, args: { stop: "i32", asked: "i32", onPoweroff: "i32", onReboot: "i32", onCrash: "i32" }, result: "i32", doc: "After the guest stopped: 0 start again, -1 keep it crashed, else the ShutoffReason (vmm/lifecycle.ts)." },
};

/** virtkit's own enums (core: the name in core.wasm; both sides get them from here). */
export const internalEnums = {
  DomainOp: {
    core: "DomainOp",
    doc: "domainOp's state changes.",
    values: { CREATE: 1, DESTROY: 2, SHUTDOWN: 3, SUSPEND: 4, RESUME: 5, REBOOT: 6, RESET: 7, UNDEFINE: 8, MANAGED_SAVE: 9, MANAGED_SAVE_REMOVE: 10, SAVE_DONE: 11, SET_AUTOSTART: 12 },
  },
  VmmEvent: {
    core: "VmmEvent",
    doc: "vmmEvents' bits: what to do after an exit, and the interrupt lines' levels.",
    values: { OUTPUT: 1, IRQ: 2, RESET: 4, POWEROFF: 8, SCI: 16, MSI: 32, DISCARD: 64, VHOST: 128, IRQ_LEVEL: 256, SCI_LEVEL: 512 },
  },
  VhostOp: {
    core: "VhostOp",
    doc: "vmmTakeVhost's record kinds (vmm/virtio/vhost-program.ts says what each asks of the host).",
    values: { FEATURES: 1, RING: 2, KICK: 3, CALL: 4, BACKEND: 5, RELEASE: 6, ROUTES: 7, NOTIFY: 8 },
  },
};

/** libvirt's enums (include/libvirt/*.h), with libvirt's names and values; `core` names them in core.wasm without `prefix`. */
export const libvirtEnums = {
  ErrorNumber: { core: "Code", prefix: "VIR_ERR_", values: {
    VIR_ERR_OK: 0,
    VIR_ERR_INTERNAL_ERROR: 1,
    VIR_ERR_NO_MEMORY: 2,
    VIR_ERR_NO_SUPPORT: 3,
    VIR_ERR_NO_CONNECT: 5,
    VIR_ERR_INVALID_CONN: 6,
    VIR_ERR_INVALID_DOMAIN: 7,
    VIR_ERR_INVALID_ARG: 8,
    VIR_ERR_OPERATION_FAILED: 9,
    VIR_ERR_NO_SOURCE: 19,
    VIR_ERR_NO_TARGET: 20,
    VIR_ERR_NO_NAME: 21,
    VIR_ERR_XML_ERROR: 27,
    VIR_ERR_DOM_EXIST: 28,
    VIR_ERR_OPERATION_DENIED: 29,
    VIR_ERR_XML_DETAIL: 35,
    VIR_ERR_SYSTEM_ERROR: 38,
    VIR_ERR_NO_DOMAIN: 42,
    VIR_ERR_OPERATION_INVALID: 55,
    VIR_ERR_CONFIG_UNSUPPORTED: 67,
    VIR_ERR_OPERATION_TIMEOUT: 68,
    VIR_ERR_ARGUMENT_UNSUPPORTED: 74,
    VIR_ERR_NO_DOMAIN_METADATA: 80,
    VIR_ERR_OVERFLOW: 82,
    VIR_ERR_OPERATION_UNSUPPORTED: 84,
    VIR_ERR_XML_INVALID_SCHEMA: 92,
  } },
  ErrorDomain: { core: "From", prefix: "VIR_FROM_", values: {
    VIR_FROM_NONE: 0,
    VIR_FROM_XML: 5,
    VIR_FROM_RPC: 7,
    VIR_FROM_CONF: 9,
    VIR_FROM_QEMU: 10,
    VIR_FROM_TEST: 12,
    VIR_FROM_LXC: 17,
    VIR_FROM_STORAGE: 18,
    VIR_FROM_NETWORK: 19,
    VIR_FROM_DOMAIN: 20,
    VIR_FROM_CPU: 31,
    VIR_FROM_DEVICE: 49,
    VIR_FROM_CGROUP: 54,
    VIR_FROM_RESCTRL: 67,
  } },
  DomainState: { core: "State", prefix: "VIR_DOMAIN_", values: {
    VIR_DOMAIN_NOSTATE: 0,
    VIR_DOMAIN_RUNNING: 1,
    VIR_DOMAIN_BLOCKED: 2,
    VIR_DOMAIN_PAUSED: 3,
    VIR_DOMAIN_SHUTDOWN: 4,
    VIR_DOMAIN_SHUTOFF: 5,
    VIR_DOMAIN_CRASHED: 6,
    VIR_DOMAIN_PMSUSPENDED: 7,
  } },
  DomainRunningReason: { core: "RunningReason", prefix: "VIR_DOMAIN_RUNNING_", values: {
    VIR_DOMAIN_RUNNING_UNKNOWN: 0,
    VIR_DOMAIN_RUNNING_BOOTED: 1,
    VIR_DOMAIN_RUNNING_MIGRATED: 2,
    VIR_DOMAIN_RUNNING_RESTORED: 3,
    VIR_DOMAIN_RUNNING_FROM_SNAPSHOT: 4,
    VIR_DOMAIN_RUNNING_UNPAUSED: 5,
    VIR_DOMAIN_RUNNING_MIGRATION_CANCELED: 6,
    VIR_DOMAIN_RUNNING_SAVE_CANCELED: 7,
    VIR_DOMAIN_RUNNING_WAKEUP: 8,
    VIR_DOMAIN_RUNNING_CRASHED: 9,
    VIR_DOMAIN_RUNNING_POSTCOPY: 10,
    VIR_DOMAIN_RUNNING_POSTCOPY_FAILED: 11,
  } },
  DomainPausedReason: { core: "PausedReason", prefix: "VIR_DOMAIN_PAUSED_", values: {
    VIR_DOMAIN_PAUSED_UNKNOWN: 0,
    VIR_DOMAIN_PAUSED_USER: 1,
    VIR_DOMAIN_PAUSED_MIGRATION: 2,
    VIR_DOMAIN_PAUSED_SAVE: 3,
    VIR_DOMAIN_PAUSED_DUMP: 4,
    VIR_DOMAIN_PAUSED_IOERROR: 5,
    VIR_DOMAIN_PAUSED_WATCHDOG: 6,
    VIR_DOMAIN_PAUSED_FROM_SNAPSHOT: 7,
    VIR_DOMAIN_PAUSED_SHUTTING_DOWN: 8,
    VIR_DOMAIN_PAUSED_SNAPSHOT: 9,
    VIR_DOMAIN_PAUSED_CRASHED: 10,
    VIR_DOMAIN_PAUSED_STARTING_UP: 11,
    VIR_DOMAIN_PAUSED_POSTCOPY: 12,
    VIR_DOMAIN_PAUSED_POSTCOPY_FAILED: 13,
    VIR_DOMAIN_PAUSED_API_ERROR: 14,
  } },
  DomainShutdownReason: { core: "ShutdownReason", prefix: "VIR_DOMAIN_SHUTDOWN_", values: {
    VIR_DOMAIN_SHUTDOWN_UNKNOWN: 0,
    VIR_DOMAIN_SHUTDOWN_USER: 1,
  } },
  DomainShutoffReason: { core: "ShutoffReason", prefix: "VIR_DOMAIN_SHUTOFF_", values: {
    VIR_DOMAIN_SHUTOFF_UNKNOWN: 0,
    VIR_DOMAIN_SHUTOFF_SHUTDOWN: 1,
    VIR_DOMAIN_SHUTOFF_DESTROYED: 2,
    VIR_DOMAIN_SHUTOFF_CRASHED: 3,
    VIR_DOMAIN_SHUTOFF_MIGRATED: 4,
    VIR_DOMAIN_SHUTOFF_SAVED: 5,
    VIR_DOMAIN_SHUTOFF_FAILED: 6,
    VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT: 7,
    VIR_DOMAIN_SHUTOFF_DAEMON: 8,
  } },
  DomainCrashedReason: { core: "CrashedReason", prefix: "VIR_DOMAIN_CRASHED_", values: {
    VIR_DOMAIN_CRASHED_UNKNOWN: 0,
    VIR_DOMAIN_CRASHED_PANICKED: 1,
  } },
  DomainEventType: { core: "Event", prefix: "VIR_DOMAIN_EVENT_", values: {
    VIR_DOMAIN_EVENT_DEFINED: 0,
    VIR_DOMAIN_EVENT_UNDEFINED: 1,
    VIR_DOMAIN_EVENT_STARTED: 2,
    VIR_DOMAIN_EVENT_SUSPENDED: 3,
    VIR_DOMAIN_EVENT_RESUMED: 4,
    VIR_DOMAIN_EVENT_STOPPED: 5,
    VIR_DOMAIN_EVENT_SHUTDOWN: 6,
    VIR_DOMAIN_EVENT_PMSUSPENDED: 7,
    VIR_DOMAIN_EVENT_CRASHED: 8,
  } },
  DomainEventDefinedDetailType: { core: "DefinedDetail", prefix: "VIR_DOMAIN_EVENT_DEFINED_", values: {
    VIR_DOMAIN_EVENT_DEFINED_ADDED: 0,
    VIR_DOMAIN_EVENT_DEFINED_UPDATED: 1,
    VIR_DOMAIN_EVENT_DEFINED_RENAMED: 2,
    VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT: 3,
  } },
  DomainEventUndefinedDetailType: { core: "UndefinedDetail", prefix: "VIR_DOMAIN_EVENT_UNDEFINED_", values: {
    VIR_DOMAIN_EVENT_UNDEFINED_REMOVED: 0,
    VIR_DOMAIN_EVENT_UNDEFINED_RENAMED: 1,
  } },
  DomainEventStartedDetailType: { core: "StartedDetail", prefix: "VIR_DOMAIN_EVENT_STARTED_", values: {
    VIR_DOMAIN_EVENT_STARTED_BOOTED: 0,
    VIR_DOMAIN_EVENT_STARTED_MIGRATED: 1,
    VIR_DOMAIN_EVENT_STARTED_RESTORED: 2,
    VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT: 3,
    VIR_DOMAIN_EVENT_STARTED_WAKEUP: 4,
  } },
  DomainEventSuspendedDetailType: { core: "SuspendedDetail", prefix: "VIR_DOMAIN_EVENT_SUSPENDED_", values: {
    VIR_DOMAIN_EVENT_SUSPENDED_PAUSED: 0,
    VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED: 1,
    VIR_DOMAIN_EVENT_SUSPENDED_IOERROR: 2,
    VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG: 3,
    VIR_DOMAIN_EVENT_SUSPENDED_RESTORED: 4,
    VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT: 5,
    VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR: 6,
    VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY: 7,
    VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY_FAILED: 8,
  } },
  DomainEventResumedDetailType: { core: "ResumedDetail", prefix: "VIR_DOMAIN_EVENT_RESUMED_", values: {
    VIR_DOMAIN_EVENT_RESUMED_UNPAUSED: 0,
    VIR_DOMAIN_EVENT_RESUMED_MIGRATED: 1,
    VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT: 2,
    VIR_DOMAIN_EVENT_RESUMED_POSTCOPY: 3,
    VIR_DOMAIN_EVENT_RESUMED_POSTCOPY_FAILED: 4,
  } },
  DomainEventStoppedDetailType: { core: "StoppedDetail", prefix: "VIR_DOMAIN_EVENT_STOPPED_", values: {
    VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN: 0,
    VIR_DOMAIN_EVENT_STOPPED_DESTROYED: 1,
    VIR_DOMAIN_EVENT_STOPPED_CRASHED: 2,
    VIR_DOMAIN_EVENT_STOPPED_MIGRATED: 3,
    VIR_DOMAIN_EVENT_STOPPED_SAVED: 4,
    VIR_DOMAIN_EVENT_STOPPED_FAILED: 5,
    VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT: 6,
  } },
  DomainEventShutdownDetailType: { core: "ShutdownDetail", prefix: "VIR_DOMAIN_EVENT_SHUTDOWN_", values: {
    VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED: 0,
    VIR_DOMAIN_EVENT_SHUTDOWN_GUEST: 1,
    VIR_DOMAIN_EVENT_SHUTDOWN_HOST: 2,
  } },
  ConnectListAllDomainsFlags: { core: "ListFlag", prefix: "VIR_CONNECT_LIST_DOMAINS_", values: {
    VIR_CONNECT_LIST_DOMAINS_ACTIVE: 1,
    VIR_CONNECT_LIST_DOMAINS_INACTIVE: 2,
    VIR_CONNECT_LIST_DOMAINS_PERSISTENT: 4,
    VIR_CONNECT_LIST_DOMAINS_TRANSIENT: 8,
    VIR_CONNECT_LIST_DOMAINS_RUNNING: 16,
    VIR_CONNECT_LIST_DOMAINS_PAUSED: 32,
    VIR_CONNECT_LIST_DOMAINS_SHUTOFF: 64,
    VIR_CONNECT_LIST_DOMAINS_OTHER: 128,
    VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE: 256,
    VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE: 512,
    VIR_CONNECT_LIST_DOMAINS_AUTOSTART: 1024,
    VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART: 2048,
    VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT: 4096,
    VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT: 8192,
    VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT: 16384,
    VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT: 32768,
  } },
  DomainModificationImpact: { core: "Affect", prefix: "VIR_DOMAIN_AFFECT_", values: {
    VIR_DOMAIN_AFFECT_CURRENT: 0,
    VIR_DOMAIN_AFFECT_LIVE: 1,
    VIR_DOMAIN_AFFECT_CONFIG: 2,
  } },
  DomainMemoryModFlags: { core: "MemFlag", prefix: "VIR_DOMAIN_MEM_", values: {
    VIR_DOMAIN_MEM_CURRENT: 0,
    VIR_DOMAIN_MEM_LIVE: 1,
    VIR_DOMAIN_MEM_CONFIG: 2,
    VIR_DOMAIN_MEM_MAXIMUM: 4,
  } },
  DomainVcpuFlags: { core: "VcpuFlag", prefix: "VIR_DOMAIN_VCPU_", values: {
    VIR_DOMAIN_VCPU_CURRENT: 0,
    VIR_DOMAIN_VCPU_LIVE: 1,
    VIR_DOMAIN_VCPU_CONFIG: 2,
    VIR_DOMAIN_VCPU_MAXIMUM: 4,
    VIR_DOMAIN_VCPU_GUEST: 8,
    VIR_DOMAIN_VCPU_HOTPLUGGABLE: 16,
  } },
  DomainCreateFlags: { core: "CreateFlag", prefix: "VIR_DOMAIN_", values: {
    VIR_DOMAIN_NONE: 0,
    VIR_DOMAIN_START_PAUSED: 1,
    VIR_DOMAIN_START_AUTODESTROY: 2,
    VIR_DOMAIN_START_BYPASS_CACHE: 4,
    VIR_DOMAIN_START_FORCE_BOOT: 8,
    VIR_DOMAIN_START_VALIDATE: 16,
    VIR_DOMAIN_START_RESET_NVRAM: 32,
  } },
  DomainShutdownFlagValues: { core: "ShutdownFlag", prefix: "VIR_DOMAIN_SHUTDOWN_", values: {
    VIR_DOMAIN_SHUTDOWN_DEFAULT: 0,
    VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN: 1,
    VIR_DOMAIN_SHUTDOWN_GUEST_AGENT: 2,
    VIR_DOMAIN_SHUTDOWN_INITCTL: 4,
    VIR_DOMAIN_SHUTDOWN_SIGNAL: 8,
    VIR_DOMAIN_SHUTDOWN_PARAVIRT: 16,
  } },
  DomainRebootFlagValues: { core: "RebootFlag", prefix: "VIR_DOMAIN_REBOOT_", values: {
    VIR_DOMAIN_REBOOT_DEFAULT: 0,
    VIR_DOMAIN_REBOOT_ACPI_POWER_BTN: 1,
    VIR_DOMAIN_REBOOT_GUEST_AGENT: 2,
    VIR_DOMAIN_REBOOT_INITCTL: 4,
    VIR_DOMAIN_REBOOT_SIGNAL: 8,
    VIR_DOMAIN_REBOOT_PARAVIRT: 16,
  } },
  DomainDestroyFlagsValues: { core: "DestroyFlag", prefix: "VIR_DOMAIN_DESTROY_", values: {
    VIR_DOMAIN_DESTROY_DEFAULT: 0,
    VIR_DOMAIN_DESTROY_GRACEFUL: 1,
    VIR_DOMAIN_DESTROY_REMOVE_LOGS: 2,
  } },
  DomainUndefineFlagsValues: { core: "UndefineFlag", prefix: "VIR_DOMAIN_UNDEFINE_", values: {
    VIR_DOMAIN_UNDEFINE_MANAGED_SAVE: 1,
    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA: 2,
    VIR_DOMAIN_UNDEFINE_NVRAM: 4,
    VIR_DOMAIN_UNDEFINE_KEEP_NVRAM: 8,
    VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA: 16,
    VIR_DOMAIN_UNDEFINE_TPM: 32,
    VIR_DOMAIN_UNDEFINE_KEEP_TPM: 64,
  } },
  DomainDefineFlags: { core: "DefineFlag", prefix: "VIR_DOMAIN_DEFINE_", values: {
    VIR_DOMAIN_DEFINE_VALIDATE: 1,
  } },
  DomainXMLFlags: { core: "XmlFlag", prefix: "VIR_DOMAIN_XML_", values: {
    VIR_DOMAIN_XML_SECURE: 1,
    VIR_DOMAIN_XML_INACTIVE: 2,
    VIR_DOMAIN_XML_UPDATE_CPU: 4,
    VIR_DOMAIN_XML_MIGRATABLE: 8,
  } },
  TypedParameterType: { core: "ParamType", prefix: "VIR_TYPED_PARAM_", values: {
    VIR_TYPED_PARAM_INT: 1,
    VIR_TYPED_PARAM_UINT: 2,
    VIR_TYPED_PARAM_LLONG: 3,
    VIR_TYPED_PARAM_ULLONG: 4,
    VIR_TYPED_PARAM_DOUBLE: 5,
    VIR_TYPED_PARAM_BOOLEAN: 6,
    VIR_TYPED_PARAM_STRING: 7,
  } },
};
