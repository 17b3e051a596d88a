// on_crash coredump-*: the ELF core file a crashed guest's memory goes to (no /dev/kvm needed:
// the registers come from a stand-in for the shim's KVM_GET_REGS/KVM_GET_SREGS).
import test from "ava";
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Core, coreModule } from "../../src/host/core.js";
import type { KvmShim } from "../../src/host/native.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { dumpTimeStamp, writeCoreDump } from "../../src/vmm/core-dump.js";
import { readCoreFile } from "../support/elf-core.js";
import { tempDir } from "../support/temp.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const dir = tempDir("virtkit-core-dump");
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** vCPU fd n's registers: rax = 0xa000 + n, rbx = 0xb000 + n, rsp, rip, rflags; cs 0x10, ss 0x18, fs base. */
const registers: Pick<KvmShim, "getRegs" | "getSregs"> = {
  getRegs(vcpu, regs) {
    regs.fill(0n);
    [regs[0], regs[1], regs[6], regs[16], regs[17]] = [0xa000n + BigInt(vcpu), 0xb000n + BigInt(vcpu), 0x7000n, 0xffffffff81000000n + BigInt(vcpu), 0x246n];
  },
  getSregs(vcpu, sregs) {
    sregs.fill(0);
    const v = new DataView(sregs.buffer, sregs.byteOffset, sregs.byteLength);
    v.setUint16(0 * 24 + 12, 0x10, true); // cs
    v.setUint16(5 * 24 + 12, 0x18, true); // ss
    v.setBigUint64(3 * 24, 0x5000n + BigInt(vcpu), true); // fs base
  },
};

test("a core dump is an ELF core file: every vCPU's registers, then the RAM at guest-physical 0", (t) => {
  const ram = new Uint8Array(3 * 4096);
  ram.set(Buffer.from("guest memory"), 4096 + 7);
  const path = join(dir, "sub", "g1-dump");
  writeCoreDump(path, registers as KvmShim, core, [11, 12], ram);
  const file = readFileSync(path);
  const dump = readCoreFile(file);
  t.is(dump.type, 4); // ET_CORE
  t.is(dump.machine, 62); // EM_X86_64
  t.deepEqual(dump.loads, [{ offset: 4096, paddr: 0, size: ram.length }]);
  t.is(file.length, 4096 + ram.length);
  t.is(file.subarray(4096 + 4096 + 7, 4096 + 4096 + 19).toString(), "guest memory");
  t.deepEqual(
    dump.threads.map((th) => [th.pid, th.rax, th.rbx, th.rsp, th.rip, th.eflags, th.cs, th.ss, th.fsBase]),
    [
      [1, 0xa00bn, 0xb00bn, 0x7000n, 0xffffffff8100000bn, 0x246n, 0x10n, 0x18n, 0x500bn],
      [2, 0xa00cn, 0xb00cn, 0x7000n, 0xffffffff8100000cn, 0x246n, 0x10n, 0x18n, 0x500cn],
    ],
  );
  t.throws(() => writeCoreDump(path, registers as KvmShim, core, [11], ram), { code: "EEXIST" }, "an existing file is never overwritten");
  t.deepEqual(readdirSync(join(dir, "sub")), ["g1-dump"], "no partial file is left");
});

test("a dump goes only into a directory nobody else can write, never through a planted link", (t) => {
  const ram = new Uint8Array(4096);
  const open = join(dir, "open");
  mkdirSync(open, { mode: 0o700 });
  chmodSync(open, 0o777);
  t.throws(() => writeCoreDump(join(open, "g-dump"), registers as KvmShim, core, [11], ram), { message: /^unsafe dump directory '.*open': writable by (its group|others) \(mode 0777\)$/ });
  t.deepEqual(readdirSync(open), []);
  const safe = join(dir, "safe");
  const victim = join(dir, "victim");
  writeFileSync(victim, "keep");
  mkdirSync(safe, { mode: 0o700 });
  symlinkSync(victim, join(safe, `g-dump.partial-${process.pid}`));
  t.throws(() => writeCoreDump(join(safe, "g-dump"), registers as KvmShim, core, [11], ram), { code: "EEXIST" });
  t.is(readFileSync(victim, "utf8"), "keep", "the link's target is untouched");
});

test("a dump's name ends with libvirt's time stamp", (t) => {
  t.is(dumpTimeStamp(new Date(Date.UTC(2026, 10, 26, 9, 5, 7, 42))), "2026-11-26 09:05:07.042+0000");
});
