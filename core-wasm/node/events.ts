// Lifecycle events waiting for the host, which reads them after each operation. A record is
// [event i32][detail i32][id i32][uuid 16 bytes][name length i32][name UTF-8].
import { ByteBuf } from "../util/bytes";
import { DomainObj } from "../objects/domain-list";

export const pendingEvents = new ByteBuf(4096);
let count: i32 = 0;

function putI32(v: i32): void {
  pendingEvents.ensure(4);
  store<i32>(pendingEvents.ptr + <usize>pendingEvents.length, v);
  pendingEvents.length += 4;
}

function putU64BigEndian(v: u64): void {
  for (let i = 7; i >= 0; i--) pendingEvents.byte(<i32>((v >> (<u64>i << 3)) & 0xff));
}

export function emit(obj: DomainObj, event: i32, detail: i32): void {
  putI32(event);
  putI32(detail);
  putI32(obj.id);
  putU64BigEndian(obj.def.uuidHi);
  putU64BigEndian(obj.def.uuidLo);
  const name = obj.def.nameUtf8;
  putI32(name.byteLength);
  pendingEvents.raw(changetype<usize>(name), name.byteLength);
  count++;
}

export function eventCount(): i32 {
  return count;
}

export function clearEvents(): void {
  pendingEvents.clear();
  count = 0;
}
