// libvirt's domain states, reasons and lifecycle events (include/libvirt/libvirt-domain.h), as the
// ABI table declares them for both sides.
export {
  State, RunningReason, PausedReason, ShutoffReason, ShutdownReason, CrashedReason, Event, DefinedDetail,
  UndefinedDetail, StartedDetail, SuspendedDetail, ResumedDetail, StoppedDetail, ShutdownDetail,
} from "../abi/enums.gen";
