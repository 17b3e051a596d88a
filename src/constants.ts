// libvirt's enums and flags, with libvirt's names and values (include/libvirt/libvirt-domain.h).

/** The union of an enum object's values: each enum is also a type of that name. */
type ValueOf<T> = T[keyof T];

export const DomainState = {
  VIR_DOMAIN_NOSTATE: 0,
  VIR_DOMAIN_RUNNING: 1,
  VIR_DOMAIN_BLOCKED: 2,
  VIR_DOMAIN_PAUSED: 3,
  VIR_DOMAIN_SHUTDOWN: 4,
  VIR_DOMAIN_SHUTOFF: 5,
  VIR_DOMAIN_CRASHED: 6,
  VIR_DOMAIN_PMSUSPENDED: 7,
} as const;
export type DomainState = ValueOf<typeof DomainState>;

export const DomainRunningReason = {
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
} as const;
export type DomainRunningReason = ValueOf<typeof DomainRunningReason>;

export const DomainPausedReason = {
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
} as const;
export type DomainPausedReason = ValueOf<typeof DomainPausedReason>;

export const DomainShutdownReason = {
  VIR_DOMAIN_SHUTDOWN_UNKNOWN: 0,
  VIR_DOMAIN_SHUTDOWN_USER: 1,
} as const;
export type DomainShutdownReason = ValueOf<typeof DomainShutdownReason>;

export const DomainShutoffReason = {
  VIR_DOMAIN_SHUTOFF_UNKNOWN: 0,
  VIR_DOMAIN_SHUTOFF_SHUTDOWN: 1,
  VIR_DOMAIN_SHUTOFF_DESTROYED: 2,
  VIR_DOMAIN_SHUTOFF_CRASHED: 3,
  VIR_DOMAIN_SHUTOFF_MIGRATED: 4,
  VIR_DOMAIN_SHUTOFF_SAVED: 5,
  VIR_DOMAIN_SHUTOFF_FAILED: 6,
  VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT: 7,
  VIR_DOMAIN_SHUTOFF_DAEMON: 8,
} as const;
export type DomainShutoffReason = ValueOf<typeof DomainShutoffReason>;

export const DomainCrashedReason = {
  VIR_DOMAIN_CRASHED_UNKNOWN: 0,
  VIR_DOMAIN_CRASHED_PANICKED: 1,
} as const;
export type DomainCrashedReason = ValueOf<typeof DomainCrashedReason>;

export const DomainEventType = {
  VIR_DOMAIN_EVENT_DEFINED: 0,
  VIR_DOMAIN_EVENT_UNDEFINED: 1,
  VIR_DOMAIN_EVENT_STARTED: 2,
  VIR_DOMAIN_EVENT_SUSPENDED: 3,
  VIR_DOMAIN_EVENT_RESUMED: 4,
  VIR_DOMAIN_EVENT_STOPPED: 5,
  VIR_DOMAIN_EVENT_SHUTDOWN: 6,
  VIR_DOMAIN_EVENT_PMSUSPENDED: 7,
  VIR_DOMAIN_EVENT_CRASHED: 8,
} as const;
export type DomainEventType = ValueOf<typeof DomainEventType>;

export const DomainEventDefinedDetailType = {
  VIR_DOMAIN_EVENT_DEFINED_ADDED: 0,
  VIR_DOMAIN_EVENT_DEFINED_UPDATED: 1,
  VIR_DOMAIN_EVENT_DEFINED_RENAMED: 2,
  VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT: 3,
} as const;
export type DomainEventDefinedDetailType = ValueOf<typeof DomainEventDefinedDetailType>;

export const DomainEventUndefinedDetailType = {
  VIR_DOMAIN_EVENT_UNDEFINED_REMOVED: 0,
  VIR_DOMAIN_EVENT_UNDEFINED_RENAMED: 1,
} as const;
export type DomainEventUndefinedDetailType = ValueOf<typeof DomainEventUndefinedDetailType>;

export const DomainEventStartedDetailType = {
  VIR_DOMAIN_EVENT_STARTED_BOOTED: 0,
  VIR_DOMAIN_EVENT_STARTED_MIGRATED: 1,
  VIR_DOMAIN_EVENT_STARTED_RESTORED: 2,
  VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT: 3,
  VIR_DOMAIN_EVENT_STARTED_WAKEUP: 4,
} as const;
export type DomainEventStartedDetailType = ValueOf<typeof DomainEventStartedDetailType>;

export const DomainEventSuspendedDetailType = {
  VIR_DOMAIN_EVENT_SUSPENDED_PAUSED: 0,
  VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED: 1,
  VIR_DOMAIN_EVENT_SUSPENDED_IOERROR: 2,
  VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG: 3,
  VIR_DOMAIN_EVENT_SUSPENDED_RESTORED: 4,
  VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT: 5,
  VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR: 6,
  VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY: 7,
  VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY_FAILED: 8,
} as const;
export type DomainEventSuspendedDetailType = ValueOf<typeof DomainEventSuspendedDetailType>;

export const DomainEventResumedDetailType = {
  VIR_DOMAIN_EVENT_RESUMED_UNPAUSED: 0,
  VIR_DOMAIN_EVENT_RESUMED_MIGRATED: 1,
  VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT: 2,
  VIR_DOMAIN_EVENT_RESUMED_POSTCOPY: 3,
  VIR_DOMAIN_EVENT_RESUMED_POSTCOPY_FAILED: 4,
} as const;
export type DomainEventResumedDetailType = ValueOf<typeof DomainEventResumedDetailType>;

export const DomainEventStoppedDetailType = {
  VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN: 0,
  VIR_DOMAIN_EVENT_STOPPED_DESTROYED: 1,
  VIR_DOMAIN_EVENT_STOPPED_CRASHED: 2,
  VIR_DOMAIN_EVENT_STOPPED_MIGRATED: 3,
  VIR_DOMAIN_EVENT_STOPPED_SAVED: 4,
  VIR_DOMAIN_EVENT_STOPPED_FAILED: 5,
  VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT: 6,
} as const;
export type DomainEventStoppedDetailType = ValueOf<typeof DomainEventStoppedDetailType>;

export const DomainEventShutdownDetailType = {
  VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED: 0,
  VIR_DOMAIN_EVENT_SHUTDOWN_GUEST: 1,
  VIR_DOMAIN_EVENT_SHUTDOWN_HOST: 2,
} as const;
export type DomainEventShutdownDetailType = ValueOf<typeof DomainEventShutdownDetailType>;

export const ConnectListAllDomainsFlags = {
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
} as const;
export type ConnectListAllDomainsFlags = ValueOf<typeof ConnectListAllDomainsFlags>;

export const DomainModificationImpact = {
  VIR_DOMAIN_AFFECT_CURRENT: 0,
  VIR_DOMAIN_AFFECT_LIVE: 1,
  VIR_DOMAIN_AFFECT_CONFIG: 2,
} as const;
export type DomainModificationImpact = ValueOf<typeof DomainModificationImpact>;

export const DomainMemoryModFlags = {
  VIR_DOMAIN_MEM_CURRENT: 0,
  VIR_DOMAIN_MEM_LIVE: 1,
  VIR_DOMAIN_MEM_CONFIG: 2,
  VIR_DOMAIN_MEM_MAXIMUM: 4,
} as const;
export type DomainMemoryModFlags = ValueOf<typeof DomainMemoryModFlags>;

export const DomainVcpuFlags = {
  VIR_DOMAIN_VCPU_CURRENT: 0,
  VIR_DOMAIN_VCPU_LIVE: 1,
  VIR_DOMAIN_VCPU_CONFIG: 2,
  VIR_DOMAIN_VCPU_MAXIMUM: 4,
  VIR_DOMAIN_VCPU_GUEST: 8,
  VIR_DOMAIN_VCPU_HOTPLUGGABLE: 16,
} as const;
export type DomainVcpuFlags = ValueOf<typeof DomainVcpuFlags>;

export const DomainCreateFlags = {
  VIR_DOMAIN_NONE: 0,
  VIR_DOMAIN_START_PAUSED: 1,
  VIR_DOMAIN_START_AUTODESTROY: 2,
  VIR_DOMAIN_START_BYPASS_CACHE: 4,
  VIR_DOMAIN_START_FORCE_BOOT: 8,
  VIR_DOMAIN_START_VALIDATE: 16,
  VIR_DOMAIN_START_RESET_NVRAM: 32,
} as const;
export type DomainCreateFlags = ValueOf<typeof DomainCreateFlags>;

export const DomainShutdownFlagValues = {
  VIR_DOMAIN_SHUTDOWN_DEFAULT: 0,
  VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN: 1,
  VIR_DOMAIN_SHUTDOWN_GUEST_AGENT: 2,
  VIR_DOMAIN_SHUTDOWN_INITCTL: 4,
  VIR_DOMAIN_SHUTDOWN_SIGNAL: 8,
  VIR_DOMAIN_SHUTDOWN_PARAVIRT: 16,
} as const;
export type DomainShutdownFlagValues = ValueOf<typeof DomainShutdownFlagValues>;

export const DomainRebootFlagValues = {
  VIR_DOMAIN_REBOOT_DEFAULT: 0,
  VIR_DOMAIN_REBOOT_ACPI_POWER_BTN: 1,
  VIR_DOMAIN_REBOOT_GUEST_AGENT: 2,
  VIR_DOMAIN_REBOOT_INITCTL: 4,
  VIR_DOMAIN_REBOOT_SIGNAL: 8,
  VIR_DOMAIN_REBOOT_PARAVIRT: 16,
} as const;
export type DomainRebootFlagValues = ValueOf<typeof DomainRebootFlagValues>;

export const DomainDestroyFlagsValues = {
  VIR_DOMAIN_DESTROY_DEFAULT: 0,
  VIR_DOMAIN_DESTROY_GRACEFUL: 1,
  VIR_DOMAIN_DESTROY_REMOVE_LOGS: 2,
} as const;
export type DomainDestroyFlagsValues = ValueOf<typeof DomainDestroyFlagsValues>;

export const DomainUndefineFlagsValues = {
  VIR_DOMAIN_UNDEFINE_MANAGED_SAVE: 1,
  VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA: 2,
  VIR_DOMAIN_UNDEFINE_NVRAM: 4,
  VIR_DOMAIN_UNDEFINE_KEEP_NVRAM: 8,
  VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA: 16,
  VIR_DOMAIN_UNDEFINE_TPM: 32,
  VIR_DOMAIN_UNDEFINE_KEEP_TPM: 64,
} as const;
export type DomainUndefineFlagsValues = ValueOf<typeof DomainUndefineFlagsValues>;

export const DomainDefineFlags = {
  VIR_DOMAIN_DEFINE_VALIDATE: 1,
} as const;
export type DomainDefineFlags = ValueOf<typeof DomainDefineFlags>;

export const DomainSaveRestoreFlags = {
  VIR_DOMAIN_SAVE_BYPASS_CACHE: 1,
  VIR_DOMAIN_SAVE_RUNNING: 2,
  VIR_DOMAIN_SAVE_PAUSED: 4,
  VIR_DOMAIN_SAVE_RESET_NVRAM: 8,
} as const;
export type DomainSaveRestoreFlags = ValueOf<typeof DomainSaveRestoreFlags>;

export const DomainXMLFlags = {
  VIR_DOMAIN_XML_SECURE: 1,
  VIR_DOMAIN_XML_INACTIVE: 2,
  VIR_DOMAIN_XML_UPDATE_CPU: 4,
  VIR_DOMAIN_XML_MIGRATABLE: 8,
} as const;
export type DomainXMLFlags = ValueOf<typeof DomainXMLFlags>;

export const TypedParameterType = {
  VIR_TYPED_PARAM_INT: 1,
  VIR_TYPED_PARAM_UINT: 2,
  VIR_TYPED_PARAM_LLONG: 3,
  VIR_TYPED_PARAM_ULLONG: 4,
  VIR_TYPED_PARAM_DOUBLE: 5,
  VIR_TYPED_PARAM_BOOLEAN: 6,
  VIR_TYPED_PARAM_STRING: 7,
} as const;
export type TypedParameterType = ValueOf<typeof TypedParameterType>;

export const ConnectFlags = {
  VIR_CONNECT_RO: 1,
} as const;
export type ConnectFlags = ValueOf<typeof ConnectFlags>;

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
