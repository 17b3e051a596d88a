// Lifecycle events waiting for the host, which takes them after each operation (takeEvents), as
// LifecycleEventRecords (abi/table.mjs).
import { DomainObj } from "../objects/domain-list";
import { WireWriter } from "../abi/wire";
import { writeLifecycleEventRecord } from "../abi/records.gen";

export const pendingEvents = new WireWriter(4096);
let count: i32 = 0;

export function emit(obj: DomainObj, event: i32, detail: i32): void {
  writeLifecycleEventRecord(pendingEvents, event, detail, obj.id, obj.def.uuidHi, obj.def.uuidLo, obj.def.nameUtf8);
  count++;
}

export function eventCount(): i32 {
  return count;
}

export function clearEvents(): void {
  pendingEvents.clear();
  count = 0;
}
