// The CPUID each vCPU gets: what KVM supports (KVM_GET_SUPPORTED_CPUID, as the host reads it),
// with the topology of this guest written in: the vCPU's APIC id (leaf 1 EBX[31:24], leaves 0xb
// and 0x1f EDX) and the number of logical processors (leaf 1 EBX[23:16] and HTT). Leaf 1 also
// says what KVM's list leaves to the VMM, as QEMU says it: "running under a hypervisor" (ECX
// bit 31), without which Linux never looks at KVM's leaves (0x40000000 on) and so has no
// kvm-clock: it falls back to a jiffies clock with 4 ms steps; and the TSC-deadline timer (ECX
// bit 24) where KVM emulates it, so the guest's local APIC timer needs no calibration against
// the PIT (which fails on a slow host and leaves the guest without its APIC timer).
//
// Entries are struct kvm_cpuid_entry2 (40 bytes): function, index, flags, eax, ebx, ecx, edx, 3 pad.
const ENTRY_SIZE: i32 = 40;
const ECX_TSC_DEADLINE: u32 = 1 << 24;
const ECX_HYPERVISOR: u32 = 1 << 31;

export function patchCpuid(entries: usize, count: i32, apicId: u32, vcpus: u32, tscDeadline: bool): void {
  for (let i = 0; i < count; i++) {
    const e = entries + <usize>(i * ENTRY_SIZE);
    const fn = load<u32>(e, 0);
    if (fn == 1) {
      let ebx = load<u32>(e, 16) & 0x0000ffff;
      ebx |= (apicId & 0xff) << 24;
      ebx |= (min(vcpus, 255) & 0xff) << 16;
      store<u32>(e, ebx, 16);
      const ecx = load<u32>(e, 20) | ECX_HYPERVISOR;
      store<u32>(e, tscDeadline ? ecx | ECX_TSC_DEADLINE : ecx & ~ECX_TSC_DEADLINE, 20);
      const edx = load<u32>(e, 24);
      store<u32>(e, vcpus > 1 ? edx | (1 << 28) : edx & ~(1 << 28), 24);
    } else if (fn == 0xb || fn == 0x1f) {
      store<u32>(e, apicId, 24);
    }
  }
}
