// Lifecycle events for changes this process did not make: another process's start or stop, a
// domain that ended by itself. They come from comparing each domain's state when this process
// last looked with its state now.
import {
  DomainEventResumedDetailType as Resumed,
  DomainEventStartedDetailType as Started,
  DomainEventStoppedDetailType as Stopped,
  DomainEventSuspendedDetailType as Suspended,
  DomainEventType as Event,
  DomainState,
} from "../../constants.js";
import { Shutoff } from "./status-file.js";
import type { DomainRef, LifecycleEvent } from "../driver.js";

/** A domain's state (virDomainState) and reason, as this process saw them. */
export interface SeenState {
  ref: DomainRef;
  state: number;
  reason: number;
}

/** What each domain's state was, by UUID. */
export type SeenStates = Map<string, SeenState>;

/** The stopped event's detail for a shutoff reason. */
const STOPPED_DETAIL: Record<number, number> = {
  [Shutoff.SHUTDOWN]: Stopped.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN,
  [Shutoff.DESTROYED]: Stopped.VIR_DOMAIN_EVENT_STOPPED_DESTROYED,
  [Shutoff.CRASHED]: Stopped.VIR_DOMAIN_EVENT_STOPPED_CRASHED,
  [Shutoff.FAILED]: Stopped.VIR_DOMAIN_EVENT_STOPPED_FAILED,
};

/** virDomainState of an active domain: running, paused, or crashed and kept (on_crash preserve). */
const { VIR_DOMAIN_RUNNING: RUNNING, VIR_DOMAIN_PAUSED: PAUSED, VIR_DOMAIN_SHUTOFF: SHUTOFF, VIR_DOMAIN_CRASHED: CRASHED } = DomainState;
const isActive = (state: number): boolean => state === RUNNING || state === PAUSED || state === CRASHED;

/**
 * The events that lead from `before` to `after`. A transient domain that has gone since ended
 * for the shutoff reason `endReason` gives for its name (its status file still says how).
 */
export function eventsBetween(before: SeenStates, after: SeenStates, endReason: (name: string) => number): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  for (const [uuid, now] of after) {
    const was = before.get(uuid);
    if (was === undefined || was.state === now.state) continue;
    const crashed = { dom: now.ref, event: Event.VIR_DOMAIN_EVENT_CRASHED, detail: 0 }; // panicked (kept by on_crash preserve)
    if (!isActive(was.state) && isActive(now.state)) {
      events.push({ dom: now.ref, event: Event.VIR_DOMAIN_EVENT_STARTED, detail: Started.VIR_DOMAIN_EVENT_STARTED_BOOTED });
      if (now.state === CRASHED) events.push(crashed); // and crashed since
    } else if (isActive(was.state) && now.state === SHUTOFF) events.push({ dom: now.ref, event: Event.VIR_DOMAIN_EVENT_STOPPED, detail: STOPPED_DETAIL[now.reason] ?? 0 });
    else if (was.state === RUNNING && now.state === PAUSED) events.push({ dom: now.ref, event: Event.VIR_DOMAIN_EVENT_SUSPENDED, detail: Suspended.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED });
    else if (was.state === PAUSED && now.state === RUNNING) events.push({ dom: now.ref, event: Event.VIR_DOMAIN_EVENT_RESUMED, detail: Resumed.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED });
    else if (now.state === CRASHED) events.push(crashed);
  }
  for (const [uuid, was] of before) {
    if (after.has(uuid) || !isActive(was.state)) continue;
    events.push({ dom: was.ref, event: Event.VIR_DOMAIN_EVENT_STOPPED, detail: STOPPED_DETAIL[endReason(was.ref.name)] ?? 0 });
  }
  return events;
}
