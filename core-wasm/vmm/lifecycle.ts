// What the VMM does when the guest stops running: start it again, or end the domain with a
// libvirt shutoff reason, or (on_crash preserve) keep the crashed guest. The plan's actions
// (already reduced to end, restart or preserve, drivers/kvm/plan.ts) meet what the user asked for meanwhile.

// why the vCPU loop returned
export const STOP_DESTROYED: i32 = 0;
export const STOP_POWEROFF: i32 = 1;
export const STOP_RESET: i32 = 2;
export const STOP_CRASH: i32 = 3;
// what the user asked for since the guest last started (bits)
export const ASKED_REBOOT: i32 = 1; // virDomainReboot: the power button, then boot again
export const ASKED_RESET: i32 = 2; // virDomainReset: boot again at once
// an on_* action as the host passes it
export const ACTION_END: i32 = 0;
export const ACTION_RESTART: i32 = 1;
export const ACTION_PRESERVE: i32 = 2; // on_crash only
// the result: RESTART, PRESERVE (the domain stays, crashed), or the virDomainShutoffReason it ends with
export const RESTART: i32 = 0;
export const PRESERVE: i32 = -1;
const SHUTOFF_SHUTDOWN: i32 = 1;
const SHUTOFF_DESTROYED: i32 = 2;
const SHUTOFF_CRASHED: i32 = 3;

/** on*: the plan's ACTION_*. */
export function afterStop(stop: i32, asked: i32, onPoweroff: i32, onReboot: i32, onCrash: i32): i32 {
  if (stop == STOP_DESTROYED) return SHUTOFF_DESTROYED;
  if ((asked & ASKED_RESET) != 0) return RESTART;
  if (stop == STOP_POWEROFF) return (asked & ASKED_REBOOT) != 0 || onPoweroff == ACTION_RESTART ? RESTART : SHUTOFF_SHUTDOWN;
  if (stop == STOP_RESET) return onReboot == ACTION_RESTART ? RESTART : SHUTOFF_SHUTDOWN;
  return onCrash == ACTION_RESTART ? RESTART : onCrash == ACTION_PRESERVE ? PRESERVE : SHUTOFF_CRASHED;
}
