// Lifecycle events for changes this process did not make: another process's start or stop, a
// domain that ended by itself. They come from comparing each domain's state when this process
// last looked with its state now.
import { DomainEventType as Event } from "../../constants.js";
import type { DomainRef, LifecycleEvent } from "../driver.js";

/** A domain's state (virDomainState) and reason, as this process saw them. */
export interface SeenState {
  ref: DomainRef;
  state: number;
  reason: number;
}

/** What each domain's state was, by UUID. */
export type SeenStates = Map<string, SeenState>;

/** virDomainEventStoppedDetailType for a shutoff reason: shutdown 0, destroyed 1, crashed 2, failed 5. */
const STOPPED_DETAIL: Record<number, number> = { 1: 0, 2: 1, 3: 2, 6: 5 };

/** virDomainState of an active domain: running, paused, or crashed and kept (on_crash preserve). */
const [RUNNING, PAUSED, SHUTOFF, CRASHED] = [1, 3, 5, 6];
const isActive = (state: number) => state === RUNNING || state === PAUSED || state === CRASHED;

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
      events.push({ dom: now.ref, event: Event.VIR_DOMAIN_EVENT_STARTED, detail: 0 }); // booted
      if (now.state === CRASHED) events.push(crashed); // and crashed since
    } else if (isActive(was.state) && now.state === SHUTOFF) events.push({ dom: now.ref, event: Event.VIR_DOMAIN_EVENT_STOPPED, detail: STOPPED_DETAIL[now.reason] ?? 0 });
    else if (was.state === RUNNING && now.state === PAUSED) events.push({ dom: now.ref, event: Event.VIR_DOMAIN_EVENT_SUSPENDED, detail: 0 }); // paused
    else if (was.state === PAUSED && now.state === RUNNING) events.push({ dom: now.ref, event: Event.VIR_DOMAIN_EVENT_RESUMED, detail: 0 }); // unpaused
    else if (now.state === CRASHED) events.push(crashed);
  }
  for (const [uuid, was] of before) {
    if (after.has(uuid) || !isActive(was.state)) continue;
    events.push({ dom: was.ref, event: Event.VIR_DOMAIN_EVENT_STOPPED, detail: STOPPED_DETAIL[endReason(was.ref.name)] ?? 0 });
  }
  return events;
}
