// The lifecycle events a process announces for changes it did not make, from each domain's
// state when it last looked and its state now.
import test from "ava";
import { DomainEventType as Event, DomainState as State } from "../../../src/constants.js";
import type { DomainRecord } from "../../../src/host/core-abi.gen.js";
import { eventsBetween, type SeenStates } from "../../../src/drivers/hosted/event-diff.js";

const web: DomainRecord = { id: 1, name: "web", uuid: [1, 2, 3, 4] };
const db: DomainRecord = { id: 2, name: "db", uuid: [5, 6, 7, 8] };

/** One look at the node: [domain, state, reason] for each domain there. */
function look(...domains: [DomainRecord, number, number][]): SeenStates {
  return new Map(domains.map(([ref, state, reason]) => [ref.name, { ref, state, reason }]));
}

/** The events as [name, event, detail], with no domain ever having ended on disk. */
function between(before: SeenStates, after: SeenStates, endReason = (_name: string) => 0): [string, number, number][] {
  return eventsBetween(before, after, endReason).map((e) => [e.dom.name, e.event, e.detail]);
}

const { VIR_DOMAIN_RUNNING: RUNNING, VIR_DOMAIN_PAUSED: PAUSED, VIR_DOMAIN_SHUTOFF: SHUTOFF, VIR_DOMAIN_CRASHED: CRASHED } = State;

test("no change, no events", (t) => {
  t.deepEqual(between(look([web, RUNNING, 1], [db, SHUTOFF, 0]), look([web, RUNNING, 1], [db, SHUTOFF, 0])), []);
});

test("a domain started elsewhere is STARTED; one that crashed since is CRASHED too", (t) => {
  t.deepEqual(between(look([web, SHUTOFF, 0]), look([web, RUNNING, 1])), [["web", Event.VIR_DOMAIN_EVENT_STARTED, 0]]);
  t.deepEqual(between(look([web, SHUTOFF, 0]), look([web, CRASHED, 1])), [
    ["web", Event.VIR_DOMAIN_EVENT_STARTED, 0],
    ["web", Event.VIR_DOMAIN_EVENT_CRASHED, 0],
  ]);
});

test("an active domain that ended is STOPPED with the detail of its shutoff reason", (t) => {
  const stoppedFor = (reason: number) => between(look([web, RUNNING, 1]), look([web, SHUTOFF, reason]));
  t.deepEqual(stoppedFor(1), [["web", Event.VIR_DOMAIN_EVENT_STOPPED, 0]]); // shutdown
  t.deepEqual(stoppedFor(2), [["web", Event.VIR_DOMAIN_EVENT_STOPPED, 1]]); // destroyed
  t.deepEqual(stoppedFor(3), [["web", Event.VIR_DOMAIN_EVENT_STOPPED, 2]]); // crashed
  t.deepEqual(stoppedFor(6), [["web", Event.VIR_DOMAIN_EVENT_STOPPED, 5]]); // failed
  t.deepEqual(stoppedFor(0), [["web", Event.VIR_DOMAIN_EVENT_STOPPED, 0]]); // unknown
  t.deepEqual(between(look([web, PAUSED, 1]), look([web, SHUTOFF, 2])), [["web", Event.VIR_DOMAIN_EVENT_STOPPED, 1]]);
});

test("pausing and resuming elsewhere are SUSPENDED and RESUMED; a crash kept is CRASHED", (t) => {
  t.deepEqual(between(look([web, RUNNING, 1]), look([web, PAUSED, 1])), [["web", Event.VIR_DOMAIN_EVENT_SUSPENDED, 0]]);
  t.deepEqual(between(look([web, PAUSED, 1]), look([web, RUNNING, 5])), [["web", Event.VIR_DOMAIN_EVENT_RESUMED, 0]]);
  t.deepEqual(between(look([web, RUNNING, 1]), look([web, CRASHED, 1])), [["web", Event.VIR_DOMAIN_EVENT_CRASHED, 0]]);
});

test("a transient domain gone since is STOPPED for the reason its status file gives", (t) => {
  const asked: string[] = [];
  const endReason = (name: string) => {
    asked.push(name);
    return 2; // destroyed
  };
  t.deepEqual(between(look([web, RUNNING, 1], [db, RUNNING, 1]), look([web, RUNNING, 1]), endReason), [["db", Event.VIR_DOMAIN_EVENT_STOPPED, 1]]);
  t.deepEqual(asked, ["db"]);
});

test("a domain that appears already inactive, or an inactive one that goes, says nothing", (t) => {
  t.deepEqual(between(look(), look([web, SHUTOFF, 0])), []);
  t.deepEqual(between(look([web, SHUTOFF, 0]), look()), []);
  t.deepEqual(between(look(), look([web, RUNNING, 1])), []); // defined and started between looks: no "before" to compare
});
