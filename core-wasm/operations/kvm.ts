// core.wasm's kvm:/// operations beyond every hosted node's (operations/hosted.ts): memory changes
// a running guest follows through its balloon. The core decides the balloon's target; the host
// hands it to the guest's VMM.
import { changesLive } from "../drivers/lxc/lxc-driver";
import { loadDefinition, scratch } from "../drivers/hosted/hosted-node";
import { attr } from "../drivers/hosted/plan-writer";
import { err } from "../domain/context";
import { Code } from "../errors";
import { MemFlag } from "../abi/enums.gen";
import { DomainKey } from "../abi/records.gen";
import { io } from "../abi/runtime";
import { NONE } from "../xml/dom";
import { S } from "../xml/names.gen";
import { domainSetMemory, target } from "./domains";
import { DomainObj } from "../objects/domain-list";

const PAGE_KIB: u64 = 4;

/**
 * virDomainSetMemoryFlags; when the change reaches the running guest, the pages its balloon
 * should hold (decimal, in the output: the guest keeps `kib` of its maximum), else nothing.
 */
export function kvmSetMemory(handle: i32, key: DomainKey, kib: f64, flags: i32): bool {
  const obj = target(handle, key);
  if (obj === null) return false;
  const live = (flags & MemFlag.MAXIMUM) == 0 && changesLive(obj, flags);
  if (live && !hasBalloon(obj)) return false;
  if (!domainSetMemory(handle, key, kib, flags)) return false;
  if (!live) return true;
  const def = obj.def;
  io.output.u64((def.memoryKiB - def.currentKiB) / PAGE_KIB);
  return true;
}

/** Whether the live definition has a virtio balloon (libvirt's check before it asks QEMU). */
function hasBalloon(obj: DomainObj): bool {
  if (!loadDefinition(obj.def)) return false;
  const devices = scratch.child(scratch.root, S.devices);
  const balloon = devices == NONE ? NONE : scratch.child(devices, S.memballoon);
  if (balloon != NONE && attr(scratch, balloon, S.model).startsWith("virtio")) return true;
  err(Code.OPERATION_INVALID).str("Unable to change memory of active domain without the balloon device and guest OS balloon driver");
  return false;
}
