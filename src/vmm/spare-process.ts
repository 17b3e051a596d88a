// The spare VMM process (spare-vmm.ts says how a node keeps one): it gets ready, then waits for
// one claim and runs that guest as any VMM process does (process.ts).
import { openSync, renameSync, rmSync, watch, writeSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { setPriority } from "node:os";
import { join } from "node:path";
import { Core, coreModule } from "../host/core.js";
import { loadNativeShim } from "../host/native.js";
import { dropStartupPages } from "../host/resident-pages.js";
import { nodeCoreImports } from "../host/core-imports.js";
import { readText } from "../drivers/hosted/text-file.js";
import { claimedFiles, spareFiles } from "../drivers/kvm/spare-vmm.js";
import { onFirstLine } from "./first-line.js";
import { runVmmProcess } from "./process.js";

/** How long an unclaimed spare waits before it exits. */
const SPARE_IDLE_MS = 10 * 60_000;

/** The spare process: gets ready, then waits for one claim and runs that guest. */
export function runSpareVmm(entry: string, dir: string): void {
  const runtime = { kvm: loadNativeShim().kvm, disk: loadNativeShim().disk, tap: loadNativeShim().tap, core: new Core(coreModule(), nodeCoreImports) };
  const files = spareFiles(join(dir, ".."));
  const mine = () => (readText(files.pid) ?? "").split(" ")[0] === String(process.pid);
  let retired = false;
  /** Stops waiting (claimed, idle too long, or replaced); the files go unless they are a successor's. */
  const retire = () => {
    if (retired) return;
    retired = true;
    clearTimeout(idle);
    watcher?.close();
    server.close();
    rmSync(files.socket(process.pid), { force: true });
    if (mine()) rmSync(files.pid, { force: true });
  };
  const idle = setTimeout(retire, SPARE_IDLE_MS);
  let watcher: ReturnType<typeof watch> | undefined;

  const server = createServer((client: Socket) => {
    if (retired) return void client.destroy();
    retire();
    onFirstLine(client, (line) => {
      // plan and log paths are the driver's: UTF-8, as the driver wrote them
      const { planFile, logFile } = claimedFiles(Buffer.from(line, "latin1").toString("utf8"));
      try {
        setPriority(0); // the guest's vCPU 0 runs on this thread
      } catch {
        // not allowed to raise it again: the guest runs at the spare's priority
      }
      let logFd = 2;
      try {
        logFd = openSync(logFile, "a", 0o600);
      } catch {
        // the spare's own log keeps the domain's lines
      }
      runVmmProcess(entry, planFile, (report) => client.end(`${report}\n`), runtime, (text) => writeSync(logFd, `${text}\n`));
    });
  });
  // Its starter wrote the pid file right after spawning it, long before it is ready: a pid file
  // that does not name it (another spare's, or none: claimed, or the run directory went) sends it away.
  const checkStillWanted = () => {
    if (!mine()) retire();
  };
  // The socket is bound under another name and renamed once listening: whoever finds it can connect
  // (between bind and listen a connection is refused, and the start would go cold).
  const binding = `${files.socket(process.pid)}.binding`;
  rmSync(binding, { force: true }); // a process of the same pid before this boot
  server.listen(binding, () => {
    try {
      renameSync(binding, files.socket(process.pid));
    } catch {
      return retire(); // the run directory went away
    }
    watcher = watch(files.dir, checkStillWanted);
    watcher.on("error", retire);
    checkStillWanted(); // what happened while it got ready
    if (!retired) dropStartupPages(loadNativeShim()); // a waiting spare keeps only what it waits with
  });
  server.on("error", retire);
}
