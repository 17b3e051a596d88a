// The CPUID each vCPU gets: what KVM supports (KVM_GET_SUPPORTED_CPUID, as the host reads it),
// with the topology of this guest written in: the vCPU's APIC id (leaf 1 EBX[31:24], leaves 0xb
// and 0x1f EDX) and the number of logical processors (leaf 1 EBX[23:16] and HTT).
//
// Entries are struct kvm_cpuid_entry2 (40 bytes): function, index, flags, eax, ebx, ecx, edx, 3 pad.
const ENTRY_SIZE: i32 = 40;

export function patchCpuid(entries: usize, count: i32, apicId: u32, vcpus: u32): void {
  for (let i = 0; i < count; i++) {
    const e = entries + <usize>(i * ENTRY_SIZE);
    const fn = load<u32>(e, 0);
    if (fn == 1) {
      let ebx = load<u32>(e, 16) & 0x0000ffff;
      ebx |= (apicId & 0xff) << 24;
      ebx |= (min(vcpus, 255) & 0xff) << 16;
      store<u32>(e, ebx, 16);
      const edx = load<u32>(e, 24);
      store<u32>(e, vcpus > 1 ? edx | (1 << 28) : edx & ~(1 << 28), 24);
    } else if (fn == 0xb || fn == 0x1f) {
      store<u32>(e, apicId, 24);
    }
  }
}
