// Reads an ELF core file as gdb would: the header, each PT_LOAD's place, each NT_PRSTATUS's registers.

export interface CoreFile {
  type: number;
  machine: number;
  loads: { offset: number; paddr: number; size: number }[];
  /** One per thread (vCPU): pr_pid and some of pr_reg. */
  threads: { pid: number; rip: bigint; rsp: bigint; rax: bigint; rbx: bigint; eflags: bigint; cs: bigint; ss: bigint; fsBase: bigint }[];
}

export function readCoreFile(file: Buffer): CoreFile {
  if (file.readUInt32BE(0) !== 0x7f454c46 || file[4] !== 2 || file[5] !== 1) throw new Error("not a little-endian ELF64 file");
  const phoff = Number(file.readBigUInt64LE(32));
  const phnum = file.readUInt16LE(56);
  const core: CoreFile = { type: file.readUInt16LE(16), machine: file.readUInt16LE(18), loads: [], threads: [] };
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * file.readUInt16LE(54);
    const offset = Number(file.readBigUInt64LE(ph + 8));
    const size = Number(file.readBigUInt64LE(ph + 32));
    if (file.readUInt32LE(ph) === 1) core.loads.push({ offset, paddr: Number(file.readBigUInt64LE(ph + 24)), size });
    if (file.readUInt32LE(ph) !== 4) continue;
    for (let at = offset; at < offset + size; ) {
      const [namesz, descsz, type] = [file.readUInt32LE(at), file.readUInt32LE(at + 4), file.readUInt32LE(at + 8)];
      const name = file.subarray(at + 12, at + 12 + namesz - 1).toString("latin1");
      const desc = at + 12 + ((namesz + 3) & ~3);
      if (name === "CORE" && type === 1) {
        const reg = (i: number) => file.readBigUInt64LE(desc + 112 + i * 8);
        core.threads.push({ pid: file.readInt32LE(desc + 32), rbx: reg(5), rax: reg(10), rip: reg(16), cs: reg(17), eflags: reg(18), rsp: reg(19), ss: reg(20), fsBase: reg(21) });
      }
      at = desc + ((descsz + 3) & ~3);
    }
  }
  return core;
}
