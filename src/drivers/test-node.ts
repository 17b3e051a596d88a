// The parts of libvirt's simulated test node that are fixed facts rather than domain state:
// its security driver, NUMA cells, CPU counters, SMBIOS data, and the network, storage pool
// and host interface of test:///default. Values are libvirt 9.0's test driver's, so that virsh
// scripts see the same answers; each function takes what varies (node info, domain status).
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import {
  ConnectListAllInterfacesFlags as IfaceFlags,
  ConnectListAllNetworksFlags as NetFlags,
  DomainMemoryStatTags as Tag,
  VcpuState,
} from "../constants.js";
import type {
  CPUMap,
  DomainStatus,
  InterfaceSummary,
  MemoryStat,
  NetworkSummary,
  NodeCPUStat,
  NodeInfo,
  SecurityLabel,
  SecurityModel,
  StoragePoolSummary,
  VcpuInfo,
} from "./driver.js";

export const SECURITY_MODEL: SecurityModel = { model: "testSecurity", doi: "" };

/** Running domains carry the test security driver's label; inactive ones have none. */
export function securityLabel(status: DomainStatus): SecurityLabel {
  return status.id >= 0 ? { label: "libvirt-test", enforcing: true } : { label: "", enforcing: false };
}

/** Host CPUs as virNodeGetCPUMap reports them on the test node: eight, all online. */
export function cpuMap(): CPUMap {
  return { online: new Array<boolean>(8).fill(true), onlineCount: 8 };
}

/** Cell i has (i + 1) × 2 MiB free, as the test node's cells are set up. */
export function cellsFreeMemory(info: NodeInfo, start: number, max: number): number[] {
  if (!Number.isInteger(start) || start < 0 || start >= info.nodes) {
    throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_TEST, "invalid argument: Range exceeds available cells");
  }
  const cells: number[] = [];
  for (let cell = start; cell < info.nodes && cells.length < max; cell++) cells.push((cell + 1) * 2 * 1024 * 1024);
  return cells;
}

/**
 * libvirt's test driver answers virNodeGetFreeMemory with the node's memory size in KiB taken
 * as bytes (virsh's `freecell` prints "Total: 3072 KiB"); kept, since scripts compare it.
 */
export function freeMemory(info: NodeInfo): number {
  return info.memory;
}

export function cpuStats(): NodeCPUStat[] {
  return [
    { field: "user", value: 9797400000n },
    { field: "kernel", value: 34678723400000n },
    { field: "idle", value: 87264900000n },
    { field: "iowait", value: 763600000n },
  ];
}

export const SYSINFO = `<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
`;

function notRunning(): VirtError {
  return new VirtError(ErrorNumber.VIR_ERR_OPERATION_INVALID, ErrorDomain.VIR_FROM_DOMAIN, "Requested operation is not valid: domain is not running");
}

/** Every vCPU runs on the last host CPU, may run on any, and has used a tenth of the clock in µs. */
export function vcpuInfo(status: DomainStatus, info: NodeInfo, clockMs: number): VcpuInfo[] {
  if (status.id < 0) throw notRunning();
  const vcpus: VcpuInfo[] = [];
  for (let n = 0; n < status.nrVirtCpu; n++) {
    vcpus.push({ number: n, state: VcpuState.VIR_VCPU_RUNNING, cpuTime: Math.floor(clockMs * 100), cpu: info.cpus - 1, affinity: new Array<boolean>(info.cpus).fill(true) });
  }
  return vcpus;
}

export function vcpuPinInfo(vcpus: number, info: NodeInfo): boolean[][] {
  return Array.from({ length: vcpus }, () => new Array<boolean>(info.cpus).fill(true));
}

/**
 * The balloon statistics the test node reports, derived from the current memory (KiB); none
 * without a balloon device. liveXML gives the running domain's canonical XML.
 */
export function memoryStats(status: DomainStatus, liveXML: () => string): MemoryStat[] {
  if (status.id < 0) throw notRunning();
  const balloon = /<memballoon model='([^']*)'/.exec(liveXML());
  if (!balloon || balloon[1] === "none") return [];
  const actual = status.memory;
  const half = Math.floor(actual / 2);
  return [
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, val: actual },
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_SWAP_IN, val: 0 },
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_SWAP_OUT, val: 0 },
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT, val: 0 },
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT, val: 0 },
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_UNUSED, val: half },
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_AVAILABLE, val: actual },
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_USABLE, val: half },
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE, val: 627319920 },
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_DISK_CACHES, val: Math.floor(actual / 8) },
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC, val: 0 },
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL, val: 0 },
    { tag: Tag.VIR_DOMAIN_MEMORY_STAT_RSS, val: half },
  ];
}

// ---- test:///default's other objects --------------------------------------------------------------

const GiB = 1024 * 1024 * 1024;
const DEFAULT_POOLS: StoragePoolSummary[] = [
  {
    name: "default-pool",
    uuid: "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566",
    active: true,
    persistent: true,
    autostart: false,
    type: "dir",
    capacity: 100 * GiB,
    allocation: 0,
    available: 100 * GiB,
  },
];

const DEFAULT_INTERFACES: InterfaceSummary[] = [{ name: "eth1", mac: "aa:bb:cc:dd:ee:ff", active: true }];

/** The ACTIVE/INACTIVE, PERSISTENT/TRANSIENT and AUTOSTART/NO_AUTOSTART filters networks and pools share. */
function matches(o: NetworkSummary, flags: number): boolean {
  const either = (a: number, b: number, first: boolean) => (flags & (a | b)) === 0 || (flags & (first ? a : b)) !== 0;
  return (
    either(NetFlags.VIR_CONNECT_LIST_NETWORKS_ACTIVE, NetFlags.VIR_CONNECT_LIST_NETWORKS_INACTIVE, o.active) &&
    either(NetFlags.VIR_CONNECT_LIST_NETWORKS_PERSISTENT, NetFlags.VIR_CONNECT_LIST_NETWORKS_TRANSIENT, o.persistent) &&
    either(NetFlags.VIR_CONNECT_LIST_NETWORKS_AUTOSTART, NetFlags.VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART, o.autostart)
  );
}

/** Custom node files list no pools or interfaces yet (only their domains are loaded). */
export function storagePools(isDefault: boolean, flags: number): StoragePoolSummary[] {
  // The pool flags share the network flags' values for these six filters.
  return isDefault ? DEFAULT_POOLS.filter((p) => matches(p, flags)).map((p) => ({ ...p })) : [];
}

export function interfaces(isDefault: boolean, flags: number): InterfaceSummary[] {
  const active = IfaceFlags.VIR_CONNECT_LIST_INTERFACES_ACTIVE;
  const inactive = IfaceFlags.VIR_CONNECT_LIST_INTERFACES_INACTIVE;
  const wanted = (i: InterfaceSummary) => (flags & (active | inactive)) === 0 || (flags & (i.active ? active : inactive)) !== 0;
  return isDefault ? DEFAULT_INTERFACES.filter(wanted).map((i) => ({ ...i })) : [];
}
