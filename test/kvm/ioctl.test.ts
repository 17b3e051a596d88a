// KVM through the shim's ioctls, on a real /dev/kvm (npm run test:kvm provides one inside a QEMU
// TCG guest with emulated SVM; this host has none).
import { testIf } from "../support/gated.js";
import { kvmUsable } from "./guest.js";
import { loadNativeShim } from "../../src/host/native.js";

const kvmTest = testIf(kvmUsable ? undefined : "needs a /dev/kvm this user can open: npm run test:kvm runs this in a guest that has one");
const KVM_EXIT_IO = 2;
const KVM_EXIT_HLT = 5;

kvmTest("a real-mode guest adds two numbers and writes the result to a port", (t) => {
  const { kvm } = loadNativeShim();
  const system = kvm.open();
  t.is(kvm.apiVersion(system), 12);
  const vm = kvm.createVm(system);
  const memory = new Uint8Array(kvm.guestMemory(vm, 0, 0x1000, 0x1000));
  // mov dx, 0x3f8; add al, bl; add al, '0'; out dx, al; mov al, '\n'; out dx, al; hlt
  memory.set([0xba, 0xf8, 0x03, 0x00, 0xd8, 0x04, 0x30, 0xee, 0xb0, 0x0a, 0xee, 0xf4]);
  const vcpu = kvm.createVcpu(vm, 0);
  const run = new DataView(kvm.runArea(vcpu, system));
  const sregs = new Uint8Array(312);
  kvm.getSregs(vcpu, sregs);
  const s = new DataView(sregs.buffer);
  s.setBigUint64(0, 0n, true); // cs.base
  s.setUint16(12, 0, true); // cs.selector
  kvm.setSregs(vcpu, sregs);
  const regs = new BigUint64Array(18);
  regs[0] = 2n; // rax
  regs[1] = 2n; // rbx
  regs[16] = 0x1000n; // rip
  regs[17] = 0x2n; // rflags
  kvm.setRegs(vcpu, regs);
  let out = "";
  for (;;) {
    t.is(kvm.run(vcpu), 0);
    const reason = run.getUint32(8, true);
    if (reason === KVM_EXIT_HLT) break;
    t.is(reason, KVM_EXIT_IO);
    t.is(run.getUint16(34, true), 0x3f8, "port");
    out += String.fromCharCode(run.getUint8(Number(run.getBigUint64(40, true))));
  }
  t.is(out, "4\n");
  kvm.close(vcpu);
  kvm.close(vm);
  kvm.close(system);
});
