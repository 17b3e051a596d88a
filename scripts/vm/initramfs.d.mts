// Types for initramfs.mjs, which the KVM tests (test/kvm/guest.ts) import.

/** The files under dir as a newc cpio archive (the initramfs format). */
export function newcArchive(dir: string): Buffer;
