// Gives back the resident pages a long-lived process touched only while it started: Node's own
// binary and its libraries are file pages, most of them read once during bootstrap (the snapshot,
// the built-ins, ICU). Dropping this process's mappings of them leaves them in the page cache,
// shared with every other Node process, and the pages still in use fault back in at once.
import { readFileSync } from "node:fs";
import type { NativeShim } from "./native.js";

/** A private mapping of a file, read-only or executable: /proc/self/maps's "r--p"/"r-xp" lines with an inode. */
export function readOnlyFileMappings(maps = readFileSync("/proc/self/maps", "utf8")): { start: number; length: number }[] {
  const found: { start: number; length: number }[] = [];
  for (const line of maps.split("\n")) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) r-[-x]p \S+ \S+ (\d+)/.exec(line);
    if (!mapping || mapping[3] === "0") continue;
    const start = parseInt(mapping[1], 16);
    found.push({ start, length: parseInt(mapping[2], 16) - start });
  }
  return found;
}

/**
 * Drops this process's resident pages of read-only file mappings; returns how many mappings. The
 * shim refuses a mapping where a page is the process's own copy (relocations made read-only after).
 */
export function dropStartupPages(shim: Pick<NativeShim, "dropFilePages">): number {
  let dropped = 0;
  for (const mapping of readOnlyFileMappings()) {
    try {
      shim.dropFilePages(mapping.start, mapping.length);
      dropped++;
    } catch {
      // a private page there (or the mapping went): it stays as it is
    }
  }
  return dropped;
}
