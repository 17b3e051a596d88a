// libvirt's domain states, reasons and lifecycle events (include/libvirt/libvirt-domain.h).

export const enum State {
  NOSTATE = 0,
  RUNNING = 1,
  BLOCKED = 2,
  PAUSED = 3,
  SHUTDOWN = 4,
  SHUTOFF = 5,
  CRASHED = 6,
  PMSUSPENDED = 7,
}

export const enum RunningReason {
  UNKNOWN = 0,
  BOOTED = 1,
  MIGRATED = 2,
  RESTORED = 3,
  FROM_SNAPSHOT = 4,
  UNPAUSED = 5,
}

export const enum PausedReason {
  UNKNOWN = 0,
  USER = 1,
}

export const enum ShutoffReason {
  UNKNOWN = 0,
  SHUTDOWN = 1,
  DESTROYED = 2,
  CRASHED = 3,
  MIGRATED = 4,
  SAVED = 5,
  FAILED = 6,
}

export const enum ShutdownReason {
  UNKNOWN = 0,
  USER = 1,
}

/** virDomainEventType */
export const enum Event {
  DEFINED = 0,
  UNDEFINED = 1,
  STARTED = 2,
  SUSPENDED = 3,
  RESUMED = 4,
  STOPPED = 5,
  SHUTDOWN = 6,
}

export const enum DefinedDetail {
  ADDED = 0,
  UPDATED = 1,
}

export const enum StartedDetail {
  BOOTED = 0,
  RESTORED = 2,
}

export const enum StoppedDetail {
  SHUTDOWN = 0,
  DESTROYED = 1,
  CRASHED = 2,
  SAVED = 4,
  FAILED = 5,
}

export const enum ShutdownDetail {
  FINISHED = 0,
  GUEST = 1,
  HOST = 2,
}
