// A domain on a connection (libvirt's virDomainPtr): it names the domain by UUID; every call
// asks the driver, through the connection's checks and the domain's job queue.
import { resolve } from "node:path";
import type { Connection } from "./connection.js";
import { uuidString, type BlockInfo, type BlockStats, type DomainInterface, type InterfaceStats, type ConsoleStream, type DomainRef, type DomainStatus, type DomainStatusQuestion, type MemoryStat, type SecurityLabel, type TypedParameter, type VcpuInfo } from "./drivers/driver.js";
import { DomainMetadataType, DomainModificationImpact, DomainVcpuFlags, type DomainState } from "./constants.js";
import { parseDomainXML } from "./domain-xml.js";
import { ErrorDomain, ErrorNumber, VirtError } from "./errors.js";

/** virDomainInfo */
export interface DomainInfo {
  /** virDomainState */
  state: DomainState;
  /** KiB */
  maxMem: number;
  /** KiB */
  memory: number;
  nrVirtCpu: number;
  /** nanoseconds */
  cpuTime: bigint;
}

export class Domain {
  private uuidText: string | undefined;

  /** @internal connections create domains */
  constructor(
    private readonly conn: Connection,
    private readonly ref: DomainRef,
  ) {}

  /** @internal the name, UUID and id the domain was known by (the wire form of a domain) */
  reference(): DomainRef {
    return this.ref;
  }

  private get key(): string {
    this.uuidText ??= uuidString(this.ref.uuid);
    return this.uuidText;
  }

  private status(api: DomainStatusQuestion): Promise<DomainStatus> {
    return this.conn.call(api, false, this.key, "domainGetStatus", (fn) => fn(this.ref, api));
  }

  // ---- identity ------------------------------------------------------------------------------------

  /** The domain's name (known locally, as libvirt's virDomainGetName). */
  get name(): string {
    return this.ref.name;
  }

  /** The domain's UUID in canonical form (known locally). */
  get uuid(): string {
    return this.key;
  }

  async getName(): Promise<string> {
    return this.ref.name;
  }

  async getUUIDString(): Promise<string> {
    return this.key;
  }

  /** The id while the domain runs, else -1. */
  async getID(): Promise<number> {
    return (await this.status("virDomainGetID")).id;
  }

  getConnect(): Connection {
    return this.conn;
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  /** Boots a defined domain (virDomainCreateWithFlags). */
  create(flags = 0): Promise<void> {
    return this.conn.call(flags === 0 ? "virDomainCreate" : "virDomainCreateWithFlags", true, this.key, "domainCreate", (fn) => fn(this.ref, flags));
  }

  shutdown(flags = 0): Promise<void> {
    return this.conn.call(flags === 0 ? "virDomainShutdown" : "virDomainShutdownFlags", true, this.key, "domainShutdown", (fn) => fn(this.ref, flags));
  }

  destroy(flags = 0): Promise<void> {
    return this.conn.call(flags === 0 ? "virDomainDestroy" : "virDomainDestroyFlags", true, this.key, "domainDestroy", (fn) => fn(this.ref, flags));
  }

  suspend(): Promise<void> {
    return this.conn.call("virDomainSuspend", true, this.key, "domainSuspend", (fn) => fn(this.ref));
  }

  resume(): Promise<void> {
    return this.conn.call("virDomainResume", true, this.key, "domainResume", (fn) => fn(this.ref));
  }

  reboot(flags = 0): Promise<void> {
    return this.conn.call("virDomainReboot", true, this.key, "domainReboot", (fn) => fn(this.ref, flags));
  }

  reset(flags = 0): Promise<void> {
    return this.conn.call("virDomainReset", true, this.key, "domainReset", (fn) => fn(this.ref, flags));
  }

  undefine(flags = 0): Promise<void> {
    return this.conn.call(flags === 0 ? "virDomainUndefine" : "virDomainUndefineFlags", true, this.key, "domainUndefine", (fn) => fn(this.ref, flags));
  }

  // ---- state ----------------------------------------------------------------------------------------

  async getInfo(): Promise<DomainInfo> {
    const s = await this.status("virDomainGetInfo");
    return { state: s.state, maxMem: s.maxMem, memory: s.memory, nrVirtCpu: s.nrVirtCpu, cpuTime: BigInt(s.cpuTime) };
  }

  /** The state, and why (a value of the reason enum for that state: DomainRunningReason, …). */
  async getState(flags = 0): Promise<{ state: DomainState; reason: number }> {
    checkNoFlags(flags, "virDomainGetState");
    const s = await this.status("virDomainGetState");
    return { state: s.state, reason: s.reason };
  }

  async isActive(): Promise<boolean> {
    return (await this.status("virDomainIsActive")).id !== -1;
  }

  async isPersistent(): Promise<boolean> {
    return (await this.status("virDomainIsPersistent")).persistent;
  }

  async getAutostart(): Promise<boolean> {
    return (await this.status("virDomainGetAutostart")).autostart;
  }

  setAutostart(autostart: boolean): Promise<void> {
    return this.conn.call("virDomainSetAutostart", true, this.key, "domainSetAutostart", (fn) => fn(this.ref, autostart));
  }

  async getMaxMemory(): Promise<number> {
    return (await this.status("virDomainGetMaxMemory")).maxMem;
  }

  getOSType(): Promise<string> {
    return this.conn.call("virDomainGetOSType", false, this.key, "domainGetOSType", (fn) => fn(this.ref));
  }

  getXMLDesc(flags = 0): Promise<string> {
    return this.conn.call("virDomainGetXMLDesc", false, this.key, "domainGetXMLDesc", (fn) => {
      this.conn.checkSecureRead("virDomainGetXMLDesc", flags);
      return fn(this.ref, flags);
    });
  }

  /**
   * virDomainGetMetadata for the title and description (VIR_DOMAIN_METADATA_TITLE /
   * _DESCRIPTION); fails with VIR_ERR_NO_DOMAIN_METADATA when the domain has none.
   */
  async getMetadata(type: number, uri: string | null = null, flags = 0): Promise<string> {
    const field = type === DomainMetadataType.VIR_DOMAIN_METADATA_TITLE ? "title" : type === DomainMetadataType.VIR_DOMAIN_METADATA_DESCRIPTION ? "description" : undefined;
    if (field === undefined || uri !== null) {
      throw new VirtError(ErrorNumber.VIR_ERR_ARGUMENT_UNSUPPORTED, ErrorDomain.VIR_FROM_DOMAIN, "argument unsupported: only the title and description metadata are supported");
    }
    const xmlFlags = (flags & DomainModificationImpact.VIR_DOMAIN_AFFECT_CONFIG) !== 0 ? 2 : 0;
    const value = parseDomainXML(await this.getXMLDesc(xmlFlags))[field];
    if (value === undefined || value === "") {
      throw new VirtError(ErrorNumber.VIR_ERR_NO_DOMAIN_METADATA, ErrorDomain.VIR_FROM_DOMAIN, "metadata not found: Requested metadata element is not present");
    }
    return value;
  }

  /** virDomainGetSecurityLabel: the running domain's label, empty when it has none. */
  getSecurityLabel(): Promise<SecurityLabel> {
    return this.conn.call("virDomainGetSecurityLabel", false, this.key, "domainGetSecurityLabel", (fn) => fn(this.ref));
  }

  /** virDomainGetVcpus: each vCPU of the running domain, with its affinity. */
  getVcpus(): Promise<VcpuInfo[]> {
    return this.conn.call("virDomainGetVcpus", false, this.key, "domainGetVcpus", (fn) => fn(this.ref));
  }

  /** virDomainGetVcpuPinInfo: each vCPU's affinity over the host CPUs (AFFECT_LIVE / AFFECT_CONFIG). */
  getVcpuPinInfo(flags = 0): Promise<boolean[][]> {
    return this.conn.call("virDomainGetVcpuPinInfo", false, this.key, "domainGetVcpuPinInfo", (fn) => fn(this.ref, flags));
  }

  /** virDomainMemoryStats: the balloon's statistics, tags from DomainMemoryStatTags. */
  memoryStats(flags = 0): Promise<MemoryStat[]> {
    return this.conn.call("virDomainMemoryStats", false, this.key, "domainMemoryStats", (fn) => fn(this.ref, flags));
  }

  /** virDomainBlockStats: a disk's (its target, vda, or its source path) requests and bytes; errs is -1 (not counted). */
  blockStats(disk: string): Promise<BlockStats> {
    return this.conn.call("virDomainBlockStats", false, this.key, "domainBlockStats", (fn) => fn(this.ref, disk));
  }

  /** virDomainBlockStatsFlags: the same with flush requests and the time spent (ns), as typed parameters. */
  blockStatsFlags(disk: string, flags = 0): Promise<TypedParameter[]> {
    return this.conn.call("virDomainBlockStatsFlags", false, this.key, "domainBlockStatsFlags", (fn) => fn(this.ref, disk, flags));
  }

  /** virDomainInterfaceStats: a NIC's (its host-side name, vnet0, or its MAC) frames and bytes, as the guest sees them. */
  interfaceStats(device: string): Promise<InterfaceStats> {
    return this.conn.call("virDomainInterfaceStats", false, this.key, "domainInterfaceStats", (fn) => fn(this.ref, device));
  }

  /** virDomainInterfaceAddresses: each NIC's addresses from `source` (DomainInterfaceAddressesSource: lease, agent, arp). */
  interfaceAddresses(source = 0, flags = 0): Promise<DomainInterface[]> {
    return this.conn.call("virDomainInterfaceAddresses", false, this.key, "domainInterfaceAddresses", (fn) => fn(this.ref, source, flags));
  }

  /** virDomainGetBlockInfo: a disk's capacity, allocation and physical size in bytes. */
  getBlockInfo(disk: string, flags = 0): Promise<BlockInfo> {
    return this.conn.call("virDomainGetBlockInfo", false, this.key, "domainGetBlockInfo", (fn) => fn(this.ref, disk, flags));
  }

  /** virDomainOpenConsole: a byte stream to the guest's console (devName null: the first). */
  openConsole(devName: string | null = null, flags = 0): Promise<ConsoleStream> {
    return this.conn.call("virDomainOpenConsole", true, this.key, "domainOpenConsole", (fn) => fn(this.ref, devName, flags));
  }

  // ---- tuning ----------------------------------------------------------------------------------------

  /** Current memory of the running domain, KiB (virDomainSetMemory). */
  setMemory(kib: number): Promise<void> {
    return this.conn.call("virDomainSetMemory", true, this.key, "domainSetMemoryFlags", (fn) => fn(this.ref, kib, DomainModificationImpact.VIR_DOMAIN_AFFECT_LIVE));
  }

  /** virDomainSetMemoryFlags: AFFECT_LIVE / AFFECT_CONFIG, and VIR_DOMAIN_MEM_MAXIMUM. */
  setMemoryFlags(kib: number, flags = 0): Promise<void> {
    return this.conn.call("virDomainSetMemoryFlags", true, this.key, "domainSetMemoryFlags", (fn) => fn(this.ref, kib, flags));
  }

  setMaxMemory(kib: number): Promise<void> {
    return this.conn.call("virDomainSetMaxMemory", true, this.key, "domainSetMaxMemory", (fn) => fn(this.ref, kib));
  }

  setVcpus(count: number): Promise<void> {
    return this.conn.call("virDomainSetVcpus", true, this.key, "domainSetVcpusFlags", (fn) => fn(this.ref, count, DomainVcpuFlags.VIR_DOMAIN_VCPU_LIVE));
  }

  setVcpusFlags(count: number, flags = 0): Promise<void> {
    return this.conn.call("virDomainSetVcpusFlags", true, this.key, "domainSetVcpusFlags", (fn) => fn(this.ref, count, flags));
  }

  getVcpusFlags(flags = 0): Promise<number> {
    return this.conn.call("virDomainGetVcpusFlags", false, this.key, "domainGetVcpusFlags", (fn) => fn(this.ref, flags));
  }

  getSchedulerType(): Promise<{ type: string; nparams: number }> {
    return this.conn.call("virDomainGetSchedulerType", false, this.key, "domainGetSchedulerType", (fn) => fn(this.ref));
  }

  getSchedulerParameters(flags = 0): Promise<TypedParameter[]> {
    return this.conn.call("virDomainGetSchedulerParametersFlags", false, this.key, "domainGetSchedulerParameters", (fn) => fn(this.ref, flags));
  }

  setSchedulerParameters(params: TypedParameter[], flags = 0): Promise<void> {
    return this.conn.call("virDomainSetSchedulerParametersFlags", true, this.key, "domainSetSchedulerParameters", (fn) => fn(this.ref, params, flags));
  }

  // ---- saving ----------------------------------------------------------------------------------------

  /** Saves the running domain's state to a file and stops it (restore with Connection.restore). */
  save(path: string, flags = 0): Promise<void> {
    // As libvirt's API, a relative path is taken from the caller's working directory.
    return this.conn.call(flags === 0 ? "virDomainSave" : "virDomainSaveFlags", true, this.key, "domainSave", (fn) => fn(this.ref, resolve(path), flags));
  }

  managedSave(flags = 0): Promise<void> {
    return this.conn.call("virDomainManagedSave", true, this.key, "domainManagedSave", (fn) => fn(this.ref, flags));
  }

  async hasManagedSaveImage(flags = 0): Promise<boolean> {
    checkNoFlags(flags, "virDomainHasManagedSaveImage");
    return (await this.status("virDomainHasManagedSaveImage")).hasManagedSave;
  }

  managedSaveRemove(flags = 0): Promise<void> {
    return this.conn.call("virDomainManagedSaveRemove", true, this.key, "domainManagedSaveRemove", (fn) => fn(this.ref, flags));
  }
}

/** libvirt's virCheckFlags for calls that take no flags yet. */
function checkNoFlags(flags: number, api: string): void {
  if (flags !== 0) throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_DOMAIN, `unsupported flags (0x${flags.toString(16)}) in function ${api}`);
}
