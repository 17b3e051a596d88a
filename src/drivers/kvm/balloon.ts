// A kvm:/// guest's memory statistics as libvirt's qemu driver gives them (dommemstat): the
// balloon's "actual" size, the guest's own statistics (virtio's tags mapped to libvirt's, bytes
// in KiB) in libvirt's order, and the VMM process's resident memory.
import { readFileSync } from "node:fs";
import { DomainMemoryStatTags as Tag } from "../../constants.js";
import type { MemoryStat } from "../driver.js";

/** libvirt's tags in the order its qemu driver lists them, each with its virtio tag and divisor. */
const GUEST_STATS: [libvirt: number, virtio: number, divisor: number][] = [
  [Tag.VIR_DOMAIN_MEMORY_STAT_SWAP_IN, 0, 1024],
  [Tag.VIR_DOMAIN_MEMORY_STAT_SWAP_OUT, 1, 1024],
  [Tag.VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT, 2, 1],
  [Tag.VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT, 3, 1],
  [Tag.VIR_DOMAIN_MEMORY_STAT_UNUSED, 4, 1024],
  [Tag.VIR_DOMAIN_MEMORY_STAT_AVAILABLE, 5, 1024],
  [Tag.VIR_DOMAIN_MEMORY_STAT_USABLE, 6, 1024],
  [Tag.VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE, -1, 1],
  [Tag.VIR_DOMAIN_MEMORY_STAT_DISK_CACHES, 7, 1024],
  [Tag.VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC, 8, 1],
  [Tag.VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL, 9, 1],
];

const PAGE_KIB = 4;

/**
 * The statistics of a VMM's "memstat" reply ("ok target N actual N updated MS stats S0,…,S9"), for
 * a guest of `maxKiB`, whose VMM is process `pid`. Any other reply (no balloon) gives the RSS only,
 * as libvirt does for a domain without one.
 */
export function memoryStatsOf(reply: string, maxKiB: number, pid: number): MemoryStat[] {
  const out: MemoryStat[] = [];
  const m = /^ok target (\d+) actual (\d+) updated (\d+(?:\.\d+)?) stats ([-\d.,]+)$/.exec(reply);
  const updatedMs = m ? Number(m[3]) : 0;
  const stats = m ? m[4].split(",").map(Number) : [];
  if (m) out.push({ tag: Tag.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, val: maxKiB - Number(m[2]) * PAGE_KIB });
  if (updatedMs > 0) {
    for (const [tag, virtio, divisor] of GUEST_STATS) {
      const value = virtio < 0 ? Math.floor(updatedMs / 1000) : stats[virtio];
      if (value !== undefined && value >= 0) out.push({ tag, val: Math.floor(value / divisor) });
    }
  }
  const rss = residentKiB(pid);
  if (rss !== undefined) out.push({ tag: Tag.VIR_DOMAIN_MEMORY_STAT_RSS, val: rss });
  return out;
}

function residentKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
