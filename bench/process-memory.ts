// A process's resident memory besides its guest's RAM, from /proc/PID/smaps: how the kvm:///
// benches compare the VMM with QEMU running the same guest.
import { readFileSync } from "node:fs";

/** KiB resident, and of it besides guest RAM (its one mapping of the guest's size, give or take QEMU's alignment). */
export interface ProcessMemory {
  rss: number;
  besidesGuest: number;
  /** Anonymous (private) memory besides guest RAM: what one more guest costs; file pages are shared. */
  anonBesidesGuest: number;
}

export function processMemory(pid: number, guestBytes: number): ProcessMemory {
  const total = { rss: 0, anon: 0 };
  const guest = { rss: 0, anon: 0 };
  let isGuest = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (range) {
      const size = Number(BigInt(`0x${range[2]}`) - BigInt(`0x${range[1]}`));
      isGuest = size >= guestBytes && size <= guestBytes + 4 * 1024 * 1024;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (!field) continue;
    const key = field[1] === "Rss" ? "rss" : "anon";
    total[key] += Number(field[2]);
    if (isGuest) guest[key] += Number(field[2]);
  }
  return { rss: total.rss, besidesGuest: total.rss - guest.rss, anonBesidesGuest: total.anon - guest.anon };
}

const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

export const describeMemory = (m: ProcessMemory) => `${mib(m.besidesGuest)} resident besides guest RAM, ${mib(m.anonBesidesGuest)} of it private (RSS ${mib(m.rss)})`;
