// libvirt's enums and flags, with libvirt's names and values (include/libvirt/libvirt-domain.h).

/** The union of an enum object's values: each enum is also a type of that name. */
type ValueOf<T> = T[keyof T];

// The enums core.wasm shares, generated from its ABI table (core-wasm/abi/table.mjs).
export {
  DomainState,
  DomainRunningReason,
  DomainPausedReason,
  DomainShutdownReason,
  DomainShutoffReason,
  DomainCrashedReason,
  DomainEventType,
  DomainEventDefinedDetailType,
  DomainEventUndefinedDetailType,
  DomainEventStartedDetailType,
  DomainEventSuspendedDetailType,
  DomainEventResumedDetailType,
  DomainEventStoppedDetailType,
  DomainEventShutdownDetailType,
  ConnectListAllDomainsFlags,
  DomainModificationImpact,
  DomainMemoryModFlags,
  DomainVcpuFlags,
  DomainCreateFlags,
  DomainShutdownFlagValues,
  DomainRebootFlagValues,
  DomainDestroyFlagsValues,
  DomainUndefineFlagsValues,
  DomainDefineFlags,
  DomainXMLFlags,
  TypedParameterType,
  NetworkEventLifecycleType,
  NetworkUpdateCommand,
  NetworkUpdateSection,
  NetworkUpdateFlags,
} from "./libvirt-enums.gen.js";

export const DomainSaveRestoreFlags = {
  VIR_DOMAIN_SAVE_BYPASS_CACHE: 1,
  VIR_DOMAIN_SAVE_RUNNING: 2,
  VIR_DOMAIN_SAVE_PAUSED: 4,
  VIR_DOMAIN_SAVE_RESET_NVRAM: 8,
} as const;
export type DomainSaveRestoreFlags = ValueOf<typeof DomainSaveRestoreFlags>;

/** virDomainStatsTypes: the groups of values virConnectGetAllDomainStats reports. */
export const DomainStatsTypes = {
  VIR_DOMAIN_STATS_STATE: 1,
  VIR_DOMAIN_STATS_CPU_TOTAL: 2,
  VIR_DOMAIN_STATS_BALLOON: 4,
  VIR_DOMAIN_STATS_VCPU: 8,
  VIR_DOMAIN_STATS_INTERFACE: 16,
  VIR_DOMAIN_STATS_BLOCK: 32,
  VIR_DOMAIN_STATS_PERF: 64,
  VIR_DOMAIN_STATS_IOTHREAD: 128,
  VIR_DOMAIN_STATS_MEMORY: 256,
  VIR_DOMAIN_STATS_DIRTYRATE: 512,
  VIR_DOMAIN_STATS_VM: 1024,
} as const;
export type DomainStatsTypes = ValueOf<typeof DomainStatsTypes>;

/** virConnectGetAllDomainStatsFlags: the listing filters (as virConnectListAllDomains's) and how to report. */
export const ConnectGetAllDomainStatsFlags = {
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE: 1,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE: 2,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT: 4,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT: 8,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING: 16,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED: 32,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF: 64,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER: 128,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT: 1 << 29,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING: 1 << 30,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS: 2 ** 31,
} as const;
export type ConnectGetAllDomainStatsFlags = ValueOf<typeof ConnectGetAllDomainStatsFlags>;

export const ConnectFlags = {
  VIR_CONNECT_RO: 1,
} as const;
export type ConnectFlags = ValueOf<typeof ConnectFlags>;

/** Where virDomainInterfaceAddresses looks: DHCP leases of virtual networks, a guest agent, or the host's ARP table. */
export const DomainInterfaceAddressesSource = {
  VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE: 0,
  VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT: 1,
  VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP: 2,
} as const;
export type DomainInterfaceAddressesSource = ValueOf<typeof DomainInterfaceAddressesSource>;

export const IPAddrType = {
  VIR_IP_ADDR_TYPE_IPV4: 0,
  VIR_IP_ADDR_TYPE_IPV6: 1,
} as const;
export type IPAddrType = ValueOf<typeof IPAddrType>;

export const DomainMemoryStatTags = {
  VIR_DOMAIN_MEMORY_STAT_SWAP_IN: 0,
  VIR_DOMAIN_MEMORY_STAT_SWAP_OUT: 1,
  VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT: 2,
  VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT: 3,
  VIR_DOMAIN_MEMORY_STAT_UNUSED: 4,
  VIR_DOMAIN_MEMORY_STAT_AVAILABLE: 5,
  VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON: 6,
  VIR_DOMAIN_MEMORY_STAT_RSS: 7,
  VIR_DOMAIN_MEMORY_STAT_USABLE: 8,
  VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE: 9,
  VIR_DOMAIN_MEMORY_STAT_DISK_CACHES: 10,
  VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC: 11,
  VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL: 12,
  VIR_DOMAIN_MEMORY_STAT_NR: 13,
} as const;
export type DomainMemoryStatTags = ValueOf<typeof DomainMemoryStatTags>;

export const VcpuState = {
  VIR_VCPU_OFFLINE: 0,
  VIR_VCPU_RUNNING: 1,
  VIR_VCPU_BLOCKED: 2,
} as const;
export type VcpuState = ValueOf<typeof VcpuState>;

export const DomainMetadataType = {
  VIR_DOMAIN_METADATA_DESCRIPTION: 0,
  VIR_DOMAIN_METADATA_TITLE: 1,
  VIR_DOMAIN_METADATA_ELEMENT: 2,
} as const;
export type DomainMetadataType = ValueOf<typeof DomainMetadataType>;

/** virNodeGetCPUStats: the cpuNum meaning "all CPUs". */
export const VIR_NODE_CPU_STATS_ALL_CPUS = -1;

export const NetworkXMLFlags = {
  VIR_NETWORK_XML_INACTIVE: 1,
} as const;
export type NetworkXMLFlags = ValueOf<typeof NetworkXMLFlags>;

export const ConnectListAllNetworksFlags = {
  VIR_CONNECT_LIST_NETWORKS_INACTIVE: 1,
  VIR_CONNECT_LIST_NETWORKS_ACTIVE: 2,
  VIR_CONNECT_LIST_NETWORKS_PERSISTENT: 4,
  VIR_CONNECT_LIST_NETWORKS_TRANSIENT: 8,
  VIR_CONNECT_LIST_NETWORKS_AUTOSTART: 16,
  VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART: 32,
} as const;
export type ConnectListAllNetworksFlags = ValueOf<typeof ConnectListAllNetworksFlags>;

export const ConnectListAllStoragePoolsFlags = {
  VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE: 1,
  VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE: 2,
  VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT: 4,
  VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT: 8,
  VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART: 16,
  VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART: 32,
} as const;
export type ConnectListAllStoragePoolsFlags = ValueOf<typeof ConnectListAllStoragePoolsFlags>;

export const ConnectListAllInterfacesFlags = {
  VIR_CONNECT_LIST_INTERFACES_INACTIVE: 1,
  VIR_CONNECT_LIST_INTERFACES_ACTIVE: 2,
} as const;
export type ConnectListAllInterfacesFlags = ValueOf<typeof ConnectListAllInterfacesFlags>;
