// test:/// — libvirt's test driver: a simulated node whose domains live in core.wasm (registry,
// lifecycle, definitions) over the TypeScript mock shim. This file only moves bytes between the
// API and the core, reads node files and writes save images.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { Core, coreModule } from "../host/core.js";
import { CoreDriver, CoreNode, DomainOp, networkBridge, networkSummaries, paramLines, parseParamLines } from "./core-driver.js";
import { NetworkOp } from "../host/core-abi.gen.js";
import { MockCoreImports } from "../host/mock-imports.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import { DomainMemoryModFlags, NetworkEventLifecycleType, type NetworkUpdateCommand, type NetworkUpdateSection } from "../constants.js";
import { strerror } from "../errno.js";
import * as facts from "./test-node.js";
import type {
  CPUMap,
  DomainRef,
  HypervisorDriver,
  InterfaceSummary,
  MemoryStat,
  NetworkRef,
  NetworkStatus,
  NetworkSummary,
  NodeCPUStat,
  NodeInfo,
  SecurityLabel,
  SecurityModel,
  StoragePoolSummary,
  TypedParameter,
  VcpuInfo,
} from "./driver.js";

/** First line of a save image (our own format: this line, then the domain's live XML). */
const SAVE_MAGIC = "virtkit-test-save 1\n";

let testCore: Core | undefined;
/** The shim the test driver's core calls: the mock, with real randomness and a real clock by default. */
const shim = new MockCoreImports(null);

/** One core instance serves every test node of the process. */
function core(): Core {
  testCore ??= new Core(coreModule(), shim);
  return testCore;
}

/** @internal the mock shim behind test:///, for tests that simulate the node's clock */
export function testDriverShim(): MockCoreImports {
  return shim;
}

/** test:///default is one node for the whole process while any connection to it is open. */
let defaultNode: CoreNode | undefined;

function invalidUri(message: string): VirtError {
  return new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_TEST, `invalid argument: ${message}`);
}

export class TestDriver extends CoreDriver implements HypervisorDriver {
  readonly type = "TEST";
  private closed = false;

  private constructor(
    readonly uri: string,
    node: CoreNode,
  ) {
    super(core(), node);
  }

  protected statsFunction(): [string, number] {
    return ["testConnectGetAllDomainStats", ErrorDomain.VIR_FROM_TEST];
  }

  /** test:///default, or test:///ABSOLUTE/PATH/node.xml. */
  static open(uri: string, path: string): TestDriver {
    if (path === "/default") {
      defaultNode ??= new CoreNode(core().nodeOpenDefault());
      return new TestDriver(uri, defaultNode);
    }
    if (path === "" || path === "/") throw invalidUri("testOpen: supply a path or use test:///default");
    return new TestDriver(uri, new CoreNode(openNodeFile(path)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (--this.node.refs > 0) return;
    core().nodeClose(this.node.handle);
    if (this.node === defaultNode) defaultNode = undefined;
  }

  // ---- node ------------------------------------------------------------------------------------

  getCapabilities(): string {
    return core().nodeCapabilities(this.node.handle);
  }

  getNodeInfo(): NodeInfo {
    return core().nodeInfo(this.node.handle);
  }

  getHostname(): string {
    return hostname();
  }

  getVersion(): number {
    return 2;
  }

  getSecurityModel(): SecurityModel {
    return { ...facts.SECURITY_MODEL };
  }

  getCPUMap(): CPUMap {
    return facts.cpuMap();
  }

  getCellsFreeMemory(start: number, max: number): number[] {
    return facts.cellsFreeMemory(this.getNodeInfo(), start, max);
  }

  getFreeMemory(): number {
    return facts.freeMemory(this.getNodeInfo());
  }

  getCPUStats(): NodeCPUStat[] {
    return facts.cpuStats();
  }

  getSysinfo(): string {
    return facts.SYSINFO;
  }

  // ---- virtual networks (the core's registry; test:///default has libvirt's "default") ----------

  listAllNetworks(flags: number): NetworkSummary[] {
    return networkSummaries(this.core, this.node.handle, flags);
  }

  networkDefineXML(xml: string): NetworkRef {
    const network = this.core.networkDefine(this.node.handle, xml);
    this.networkEvent(network, NetworkEventLifecycleType.VIR_NETWORK_EVENT_DEFINED);
    return network;
  }

  networkCreateXML(xml: string): NetworkRef {
    const network = this.core.networkCreateXML(this.node.handle, xml);
    this.networkEvent(network, NetworkEventLifecycleType.VIR_NETWORK_EVENT_STARTED);
    return network;
  }

  networkLookupByName(name: string): NetworkRef {
    return this.core.networkLookupByName(this.node.handle, name);
  }

  networkLookupByUUID(uuid: readonly [number, number, number, number]): NetworkRef {
    return this.core.networkLookupByUUID(this.node.handle, uuid);
  }

  networkCreate(n: NetworkRef): void {
    this.networkEvent(n, this.core.networkOp(this.node.handle, n, NetworkOp.CREATE));
  }

  networkDestroy(n: NetworkRef): void {
    this.networkEvent(n, this.core.networkOp(this.node.handle, n, NetworkOp.DESTROY));
  }

  networkUndefine(n: NetworkRef): void {
    this.networkEvent(n, this.core.networkOp(this.node.handle, n, NetworkOp.UNDEFINE));
  }

  networkSetAutostart(n: NetworkRef, autostart: boolean): void {
    this.core.networkOp(this.node.handle, n, NetworkOp.SET_AUTOSTART, autostart ? 1 : 0);
  }

  networkUpdate(n: NetworkRef, command: NetworkUpdateCommand, section: NetworkUpdateSection, parentIndex: number, xml: string, flags: number): void {
    this.core.networkUpdate(this.node.handle, n, xml, command, section, parentIndex, flags);
  }

  networkGetStatus(n: NetworkRef): NetworkStatus {
    return this.core.networkInfo(this.node.handle, n);
  }

  networkGetBridgeName(n: NetworkRef): string {
    return networkBridge(this.core, this.node.handle, n, ErrorDomain.VIR_FROM_TEST);
  }

  networkGetXMLDesc(n: NetworkRef, flags: number): string {
    return this.core.networkXML(this.node.handle, n, flags);
  }

  listAllStoragePools(flags: number): StoragePoolSummary[] {
    return facts.storagePools(this.node === defaultNode, flags);
  }

  listAllInterfaces(flags: number): InterfaceSummary[] {
    return facts.interfaces(this.node === defaultNode, flags);
  }

  // ---- finding and defining domains ----------------------------------------------------------------

  createXML(xml: string, flags: number): DomainRef {
    return this.announced(core().domainCreateXML(this.node.handle, xml, flags, false));
  }

  async restore(path: string, flags: number): Promise<void> {
    let image: string;
    try {
      image = await (await import("node:fs/promises")).readFile(path, "utf8");
    } catch (e) {
      throw systemError(`cannot read domain image '${path}'`, e);
    }
    if (!image.startsWith(SAVE_MAGIC)) {
      throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_TEST, "internal error: mismatched header magic");
    }
    this.announced(core().domainCreateXML(this.node.handle, image.slice(SAVE_MAGIC.length), flags, true));
  }

  // ---- operations on a domain -------------------------------------------------------------------------

  domainCreate(d: DomainRef, flags: number): void {
    this.op(d, DomainOp.CREATE, flags);
  }

  domainDestroy(d: DomainRef, flags: number): void {
    this.op(d, DomainOp.DESTROY, flags);
  }

  domainShutdown(d: DomainRef, flags: number): void {
    this.op(d, DomainOp.SHUTDOWN, flags);
  }

  domainReboot(d: DomainRef, flags: number): void {
    this.op(d, DomainOp.REBOOT, flags);
  }

  domainReset(d: DomainRef, flags: number): void {
    this.op(d, DomainOp.RESET, flags);
  }

  domainSuspend(d: DomainRef): void {
    this.op(d, DomainOp.SUSPEND, 0);
  }

  domainResume(d: DomainRef): void {
    this.op(d, DomainOp.RESUME, 0);
  }

  domainManagedSave(d: DomainRef, flags: number): void {
    this.op(d, DomainOp.MANAGED_SAVE, flags);
  }

  domainManagedSaveRemove(d: DomainRef, flags: number): void {
    this.op(d, DomainOp.MANAGED_SAVE_REMOVE, flags);
  }

  domainGetSecurityLabel(d: DomainRef): SecurityLabel {
    return facts.securityLabel(this.registryStatus(d));
  }

  domainGetVcpus(d: DomainRef): VcpuInfo[] {
    return facts.vcpuInfo(this.registryStatus(d), this.getNodeInfo(), shim.clockMs());
  }

  domainGetVcpuPinInfo(d: DomainRef, flags: number): boolean[][] {
    return facts.vcpuPinInfo(core().domainGetVcpus(this.node.handle, d, flags), this.getNodeInfo());
  }

  domainMemoryStats(d: DomainRef): MemoryStat[] {
    return facts.memoryStats(this.registryStatus(d), () => this.domainGetXMLDesc(d, 0) as string);
  }

  domainSetMemoryFlags(d: DomainRef, kib: number, flags: number): void {
    core().domainSetMemory(this.node.handle, d, kib, flags);
  }

  domainSetMaxMemory(d: DomainRef, kib: number): void {
    core().domainSetMemory(this.node.handle, d, kib, DomainMemoryModFlags.VIR_DOMAIN_MEM_MAXIMUM);
  }

  domainSetVcpusFlags(d: DomainRef, count: number, flags: number): void {
    core().domainSetVcpus(this.node.handle, d, count, flags);
  }

  domainGetSchedulerType(): { type: string; nparams: number } {
    return { type: "fair", nparams: 1 };
  }

  domainGetSchedulerParameters(d: DomainRef, flags: number): TypedParameter[] {
    return parseParamLines(core().domainSchedParams(this.node.handle, d, flags));
  }

  domainSetSchedulerParameters(d: DomainRef, params: TypedParameter[], flags: number): void {
    core().domainSetSchedParams(this.node.handle, d, paramLines(params), flags);
  }

  async domainSave(d: DomainRef, path: string, flags: number): Promise<void> {
    const image = SAVE_MAGIC + core().domainSaveImage(this.node.handle, d, flags);
    await writeFileAtomically(path, image);
    this.op(d, DomainOp.SAVE_DONE, 0);
  }
}

/** A node from a node file: its domains may live in files of their own, read here for the core. */
function openNodeFile(path: string): number {
  let text: Uint8Array;
  try {
    text = readFileSync(path);
  } catch {
    throw unreadableNodeFile(path);
  }
  const c = core();
  const files = c.nodeFileRefs(text).map((ref) => {
    const file = resolve(dirname(path), ref);
    try {
      return readFileSync(file);
    } catch {
      throw unreadableNodeFile(file);
    }
  });
  return c.nodeOpenFile(text, files);
}

function unreadableNodeFile(path: string): VirtError {
  return new VirtError(
    ErrorNumber.VIR_ERR_XML_ERROR,
    ErrorDomain.VIR_FROM_XML,
    `XML error: failed to parse xml document '${path}'`,
    `I/O warning : failed to load external entity "${path}"`,
  );
}

function systemError(message: string, e: unknown): VirtError {
  return new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_TEST, `${message}: ${strerror(e)}`);
}

/** Writes through a temporary file, flushed, then renamed into place: never a torn image. */
async function writeFileAtomically(path: string, data: string): Promise<void> {
  const { open, rename, unlink } = await import("node:fs/promises");
  const temp = `${path}.tmp-${process.pid}`;
  try {
    const handle = await open(temp, "w", 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw systemError(`failed to write save image '${path}'`, e);
  }
}
