// Boot files for VMM tests on the fake KVM: a tiny bzImage (test/kvm/guest.ts) and an initrd on
// disk, as Machine reads them. Their code never runs: the fake KVM's script plays the guest.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tinyImage } from "../kvm/guest.js";
import { tempDir } from "./temp.js";

/**
 * A bzImage whose 64-bit entry (the load address + 0x200) holds `code`; its real-mode entry
 * jumps over the setup header (to 0x26c), as a real kernel's does: the loader copies the header
 * up to that jump's target.
 */
export function kernelFile(code: number[] = [0xf4]): string {
  const image = tinyImage(code);
  image[0x200] = 0xeb; // jmp short
  image[0x201] = 0x6a;
  return writeTemp("bzImage", image);
}

export function initrdFile(bytes: Uint8Array): string {
  return writeTemp("initrd", bytes);
}

function writeTemp(name: string, bytes: Uint8Array): string {
  const file = join(tempDir("virtkit-vmm-boot"), name);
  writeFileSync(file, bytes);
  return file;
}
