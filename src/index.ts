// virtkit's public library.
export { VirtError, ErrorNumber, ErrorDomain } from "./errors.js";
export { canonicalizeDomainXML, parseDomainXML } from "./domain-xml.js";
export type { CanonicalizeOptions } from "./domain-xml.js";
export type { DomainDef, DomainDevices, DomainOs, DomainVcpu, DiskDef, InterfaceDef, AddressDef, XmlElement, XmlNode } from "./domain-def.js";
export { openConnection, Connection, LIB_VERSION } from "./connection.js";
export type { ConnectionOptions, DomainStatsRecord, LifecycleListener, NetworkLifecycleListener } from "./connection.js";
export { Domain } from "./domain.js";
export { Network } from "./network.js";
export type { DomainInfo } from "./domain.js";
export type {
  NodeInfo,
  TypedParameter,
  SecurityModel,
  SecurityLabel,
  VcpuInfo,
  MemoryStat,
  BlockInfo,
  BlockStats,
  InterfaceStats,
  DomainInterface,
  CPUMap,
  NodeCPUStat,
  NetworkSummary,
  NetworkStatus,
  NetworkDHCPLease,
  StoragePoolSummary,
  InterfaceSummary,
  ConsoleStream,
} from "./drivers/driver.js";
export * from "./constants.js";
