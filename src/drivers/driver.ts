// The hypervisor driver interface, libvirt's driver vtable in TypeScript: every operation is
// optional, and the public API reports VIR_ERR_NO_SUPPORT for the ones a driver lacks.
import type { DomainEventType, DomainState, NetworkEventLifecycleType, NetworkUpdateCommand, NetworkUpdateSection } from "../constants.js";

/** What a driver hands back for a domain: enough to address it again (libvirt's virDomainPtr). */
export interface DomainRef {
  /** -1 when not running. */
  readonly id: number;
  readonly name: string;
  /** The UUID as four 32-bit words, most significant first. */
  readonly uuid: readonly [number, number, number, number];
}

export interface LifecycleEvent {
  readonly dom: DomainRef;
  /** virDomainEventType */
  readonly event: DomainEventType;
  /** the event's detail (virDomainEvent*DetailType) */
  readonly detail: number;
}

import type { DomainStatsEntry } from "./domain-stats.js";
export type { DomainStatsEntry };

/** virNodeInfo (memory in KiB), as core.wasm's ABI table declares it. */
import type { NodeInfo } from "../host/core-abi.gen.js";
export type { NodeInfo };

/** A domain's state and the values behind virDomainGetInfo, read in one call. */
export interface DomainStatus {
  state: DomainState;
  reason: number;
  /** KiB */
  maxMem: number;
  /** KiB */
  memory: number;
  nrVirtCpu: number;
  /** nanoseconds */
  cpuTime: number;
  id: number;
  persistent: boolean;
  autostart: boolean;
  hasManagedSave: boolean;
}

/**
 * The public API asking for a domain's status. Local drivers answer everything at once; the
 * remote driver asks the daemon only what that API needs (one call, as libvirt's client does).
 */
export type DomainStatusQuestion =
  | "virDomainGetID"
  | "virDomainGetInfo"
  | "virDomainGetState"
  | "virDomainIsActive"
  | "virDomainIsPersistent"
  | "virDomainGetAutostart"
  | "virDomainGetMaxMemory"
  | "virDomainHasManagedSaveImage";

/** The same for a network's status. */
export type NetworkStatusQuestion = "virNetworkGetAutostart" | "virNetworkIsActive" | "virNetworkIsPersistent";

/** virTypedParameter */
export interface TypedParameter {
  field: string;
  /** virTypedParameterType */
  type: number;
  value: number | bigint | boolean | string;
}

/** virSecurityModel: the node's security driver. */
export interface SecurityModel {
  model: string;
  doi: string;
}

/** virSecurityLabel: a running domain's label (empty when it has none). */
export interface SecurityLabel {
  label: string;
  enforcing: boolean;
}

/** virVcpuInfo, with the vCPU's affinity (one entry per host CPU) beside it. */
export interface VcpuInfo {
  number: number;
  /** virVcpuState */
  state: number;
  /** nanoseconds */
  cpuTime: number;
  /** the host CPU it last ran on */
  cpu: number;
  affinity: boolean[];
}

/** virDomainBlockStatsStruct: a disk's requests and bytes; -1 where the driver does not count. */
export interface BlockStats {
  rd_req: number;
  rd_bytes: number;
  wr_req: number;
  wr_bytes: number;
  errs: number;
}

/** virDomainInterfaceStatsStruct: a NIC's frames and bytes as the guest sees them (rx: received by the guest); -1 where not counted. */
export interface InterfaceStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errs: number;
  rx_drop: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errs: number;
  tx_drop: number;
}

/** virDomainInterface: a NIC's host-side name, its MAC, and the addresses found for it (type: IPAddrType). */
export interface DomainInterface {
  name: string;
  hwaddr: string;
  addrs: { type: number; addr: string; prefix: number }[];
}

/** virDomainBlockInfo: the guest's size of the disk, the host's bytes in use, and the image's size. */
export interface BlockInfo {
  capacity: number;
  allocation: number;
  physical: number;
}

/** virDomainMemoryStat: tag is a virDomainMemoryStatTags value. */
export interface MemoryStat {
  tag: number;
  val: number;
}

/** The host's CPUs (virNodeGetCPUMap): which exist and which are online. */
export interface CPUMap {
  online: boolean[];
  onlineCount: number;
}

/** virNodeCPUStats: a field (user, system, idle, iowait…) and its value in nanoseconds. */
export interface NodeCPUStat {
  field: string;
  value: bigint;
}

/** What the list commands show of a virtual network, storage pool or host interface. */
export interface NetworkSummary {
  name: string;
  uuid: string;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
}

export interface StoragePoolSummary extends NetworkSummary {
  /** the pool type, e.g. "dir" */
  type: string;
  /** bytes */
  capacity: number;
  allocation: number;
  available: number;
}

export interface InterfaceSummary {
  name: string;
  mac: string;
  active: boolean;
}

/** A virtual network as drivers name it (libvirt's virNetworkPtr identity). */
export interface NetworkRef {
  uuid: readonly [number, number, number, number];
  name: string;
}

/** A network's registry entry: running, persistent, autostarted, and its bridge's name ("" when none). */
export interface NetworkStatus {
  active: boolean;
  persistent: boolean;
  autostart: boolean;
  bridge: string;
}

/** virNetworkDHCPLease: one lease the network's DHCP server gave (expiry in seconds since the epoch). */
export interface NetworkDHCPLease {
  iface: string;
  expirytime: number;
  /** VIR_IP_ADDR_TYPE_IPV4 (0) or IPV6 (1) */
  type: number;
  mac: string;
  iaid: string | null;
  ipaddr: string;
  prefix: number;
  hostname: string | null;
  clientid: string | null;
}

/** A network lifecycle event (virNetworkEventLifecycleType; libvirt's detail is always 0). */
export interface NetworkLifecycleEvent {
  readonly network: NetworkRef;
  readonly event: NetworkEventLifecycleType;
}

/** A guest console: bytes both ways. */
export type ConsoleStream = import("node:stream").Duplex;

type Result<T> = T | Promise<T>;

export interface HypervisorDriver {
  /** virConnectGetType, e.g. "TEST" */
  readonly type: string;
  readonly uri: string;
  /** Calls listener with the lifecycle events each operation causes; returns the unsubscribe. */
  subscribe(listener: (events: LifecycleEvent[]) => void): () => void;
  close(): void;
  /**
   * True when the driver orders calls on one domain itself (a daemon does, for a remote driver):
   * the connection then sends them on at once instead of queueing them behind each other.
   */
  readonly ordersDomainCalls?: boolean;
  /** False once a remote driver's connection to its daemon is gone. */
  isAlive?(): boolean;
  /** libvirt's keepalive (remote drivers): PING after `interval` s of silence, give up after `count`. */
  setKeepAlive?(interval: number, count: number): Result<void>;

  getCapabilities?(): Result<string>;
  getNodeInfo?(): Result<NodeInfo>;
  getHostname?(): Result<string>;
  /** virConnectGetVersion: the hypervisor's version number */
  getVersion?(): Result<number>;
  getSecurityModel?(): Result<SecurityModel>;
  getCPUMap?(): Result<CPUMap>;
  /** bytes free in each NUMA cell from start, at most max cells */
  getCellsFreeMemory?(start: number, max: number): Result<number[]>;
  /** bytes */
  getFreeMemory?(): Result<number>;
  getCPUStats?(cpuNum: number, flags: number): Result<NodeCPUStat[]>;
  getSysinfo?(flags: number): Result<string>;
  listAllNetworks?(flags: number): Result<NetworkSummary[]>;
  listAllStoragePools?(flags: number): Result<StoragePoolSummary[]>;
  listAllInterfaces?(flags: number): Result<InterfaceSummary[]>;

  networkDefineXML?(xml: string): Result<NetworkRef>;
  networkCreateXML?(xml: string): Result<NetworkRef>;
  networkLookupByName?(name: string): Result<NetworkRef>;
  networkLookupByUUID?(uuid: readonly [number, number, number, number]): Result<NetworkRef>;
  networkCreate?(n: NetworkRef): Result<void>;
  networkDestroy?(n: NetworkRef): Result<void>;
  networkUndefine?(n: NetworkRef): Result<void>;
  networkSetAutostart?(n: NetworkRef, autostart: boolean): Result<void>;
  networkGetStatus?(n: NetworkRef, question: NetworkStatusQuestion): Result<NetworkStatus>;
  networkGetBridgeName?(n: NetworkRef): Result<string>;
  networkGetXMLDesc?(n: NetworkRef, flags: number): Result<string>;
  networkGetDHCPLeases?(n: NetworkRef, mac: string | null, flags: number): Result<NetworkDHCPLease[]>;
  networkUpdate?(n: NetworkRef, command: NetworkUpdateCommand, section: NetworkUpdateSection, parentIndex: number, xml: string, flags: number): Result<void>;
  /** Calls listener with each network lifecycle event on the node; returns the unsubscribe. */
  subscribeNetworks?(listener: (event: NetworkLifecycleEvent) => void): () => void;

  defineXML?(xml: string, flags: number): Result<DomainRef>;
  createXML?(xml: string, flags: number): Result<DomainRef>;
  lookupByName?(name: string): Result<DomainRef>;
  lookupByUUID?(uuid: readonly [number, number, number, number]): Result<DomainRef>;
  lookupByID?(id: number): Result<DomainRef>;
  listAllDomains?(flags: number): Result<DomainRef[]>;
  getAllDomainStats?(stats: number, flags: number): Result<DomainStatsEntry[]>;
  restore?(path: string, flags: number): Result<void>;

  domainCreate?(d: DomainRef, flags: number): Result<void>;
  domainDestroy?(d: DomainRef, flags: number): Result<void>;
  domainShutdown?(d: DomainRef, flags: number): Result<void>;
  domainReboot?(d: DomainRef, flags: number): Result<void>;
  domainReset?(d: DomainRef, flags: number): Result<void>;
  domainSuspend?(d: DomainRef): Result<void>;
  domainResume?(d: DomainRef): Result<void>;
  domainUndefine?(d: DomainRef, flags: number): Result<void>;
  domainGetStatus?(d: DomainRef, question: DomainStatusQuestion): Result<DomainStatus>;
  domainGetXMLDesc?(d: DomainRef, flags: number): Result<string>;
  domainGetOSType?(d: DomainRef): Result<string>;
  domainSetMemoryFlags?(d: DomainRef, kib: number, flags: number): Result<void>;
  domainSetMaxMemory?(d: DomainRef, kib: number): Result<void>;
  domainSetVcpusFlags?(d: DomainRef, count: number, flags: number): Result<void>;
  domainGetVcpusFlags?(d: DomainRef, flags: number): Result<number>;
  domainGetSchedulerType?(d: DomainRef): Result<{ type: string; nparams: number }>;
  domainGetSchedulerParameters?(d: DomainRef, flags: number): Result<TypedParameter[]>;
  domainSetSchedulerParameters?(d: DomainRef, params: TypedParameter[], flags: number): Result<void>;
  domainSetAutostart?(d: DomainRef, autostart: boolean): Result<void>;
  domainSave?(d: DomainRef, path: string, flags: number): Result<void>;
  domainManagedSave?(d: DomainRef, flags: number): Result<void>;
  domainManagedSaveRemove?(d: DomainRef, flags: number): Result<void>;
  domainGetSecurityLabel?(d: DomainRef): Result<SecurityLabel>;
  domainGetVcpus?(d: DomainRef): Result<VcpuInfo[]>;
  domainGetVcpuPinInfo?(d: DomainRef, flags: number): Result<boolean[][]>;
  domainMemoryStats?(d: DomainRef, flags: number): Result<MemoryStat[]>;
  domainBlockStats?(d: DomainRef, disk: string): Result<BlockStats>;
  domainBlockStatsFlags?(d: DomainRef, disk: string, flags: number): Result<TypedParameter[]>;
  domainInterfaceStats?(d: DomainRef, device: string): Result<InterfaceStats>;
  domainInterfaceAddresses?(d: DomainRef, source: number, flags: number): Result<DomainInterface[]>;
  domainGetBlockInfo?(d: DomainRef, disk: string, flags: number): Result<BlockInfo>;
  domainOpenConsole?(d: DomainRef, devName: string | null, flags: number): Result<ConsoleStream>;
}

/** The UUID words of a canonical UUID string, or undefined when it is not one. */
export function uuidWords(uuid: string): [number, number, number, number] | undefined {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  return [0, 8, 16, 24].map((i) => parseInt(hex.slice(i, i + 8), 16)) as [number, number, number, number];
}

export function uuidString(w: readonly [number, number, number, number]): string {
  return `${hex16(w[0] >>> 16)}${hex16(w[0])}-${hex16(w[1] >>> 16)}-${hex16(w[1])}-${hex16(w[2] >>> 16)}-${hex16(w[2])}${hex16(w[3] >>> 16)}${hex16(w[3])}`;
}

/** Two hex digits per byte value (a listing of 1,000 domains formats 1,000 UUIDs). */
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** The low 16 bits of x as four hex digits. */
function hex16(x: number): string {
  return HEX_BYTE[(x >>> 8) & 0xff] + HEX_BYTE[x & 0xff];
}
