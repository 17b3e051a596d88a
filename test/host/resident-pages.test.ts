import test from "ava";
import { readFileSync } from "node:fs";
import { Core, coreModule } from "../../src/host/core.js";
import { loadNativeShim } from "../../src/host/native.js";
import { dropStartupPages, readOnlyFileMappings } from "../../src/host/resident-pages.js";
import { nodeCoreImports } from "../../src/host/core-imports.js";

/** Resident KiB of this process's read-only private file mappings, from /proc/self/smaps. */
function readOnlyFileResidentKib(): number {
  let total = 0;
  let counting = false;
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ (\d+)/.exec(line);
    if (header) counting = /^r-[-x]p$/.test(header[1]) && header[2] !== "0";
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && counting) total += Number(rss[1]);
  }
  return total;
}

test("read-only file mappings are the r--p and r-xp lines with an inode", (t) => {
  const maps = [
    "55d0c0000000-55d0c1000000 r--p 00000000 08:01 1234   /usr/bin/node",
    "55d0c1000000-55d0c5000000 r-xp 01000000 08:01 1234   /usr/bin/node",
    "55d0c5000000-55d0c5100000 rw-p 05000000 08:01 1234   /usr/bin/node",
    "7f0000000000-7f0000001000 r--p 00000000 00:00 0 ",
    "7f0000002000-7f0000003000 r--s 00000000 08:01 99     /dev/shm/x",
    "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0      [stack]",
  ].join("\n");
  t.deepEqual(readOnlyFileMappings(maps), [
    { start: 0x55d0c0000000, length: 0x1000000 },
    { start: 0x55d0c1000000, length: 0x4000000 },
  ]);
});

test("the shim drops no page of private memory, and no range off page boundaries", (t) => {
  const shim = loadNativeShim();
  const stack = /^([0-9a-f]+)-([0-9a-f]+) .*\[stack\]$/m.exec(readFileSync("/proc/self/maps", "utf8"))!;
  const top = parseInt(stack[2], 16) - 4096; // holds the environment: resident, written
  t.throws(() => shim.dropFilePages(top, 4096), { code: "EPERM" });
  t.throws(() => shim.dropFilePages(top + 1, 4096), { code: "EINVAL" });
  t.true(process.env.PATH !== undefined && process.env.PATH.length > 0, "the environment is still there");
});

test("dropping the startup pages gives back most of the resident file pages, and the process runs on", (t) => {
  const xml = "<domain type='kvm'><name>after</name><uuid>e07bbea3-37bd-4308-b3ff-be846b91183f</uuid><memory>1024</memory><os><type>hvm</type></os></domain>";
  const canonical = new Core(coreModule(), nodeCoreImports).canonicalize(xml); // what a VMM touches to get ready
  const before = readOnlyFileResidentKib();
  t.true(dropStartupPages(loadNativeShim()) > 0);
  const after = readOnlyFileResidentKib();
  t.true(after < before / 2, `${before} KiB resident before, ${after} KiB after`);
  t.is(new Core(coreModule(), nodeCoreImports).canonicalize(xml), canonical, "the binary's pages came back on use");
});
