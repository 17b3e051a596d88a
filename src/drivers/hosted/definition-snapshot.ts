// <run>/.definitions: every persistent definition of the node as one blob core.wasm reads back
// without parsing XML (core-wasm/objects/definition-snapshot.ts), so that a process opening a node
// of 1,000 definitions reads one file instead of parsing and ruling 1,000.
//
// The blob stands for the configuration directory as it was: its header names the directory, its
// inode and modification time, and the core.wasm that made it; a process opening the node loads
// it only when all of these are as they are now. Every change of a definition replaces or
// removes a file there (NAME.xml is written by rename), which moves the directory's modification
// time, and is made holding the node's registry lock, which the change keeps until it has saved
// the blob again (the driver's define and undefine). A process that finds no matching blob reads
// the files and saves one only when the directory's last change has settled (no change by a
// process holding the lock can then share its modification time, and the blob it saves after the
// lock holder's is told apart). An edit of NAME.xml in place, by hand, is not seen until the next
// change, as libvirt does not see one until its daemon restarts.
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { coreWasmPath } from "../../host/core.js";
import { dirStamp } from "./node-dirs.js";
import { writeAtomically } from "./text-file.js";

const FORMAT = "virtkit-definitions 1";

function snapshotPath(runDir: string): string {
  return join(runDir, ".definitions");
}

let coreIdentity: string | undefined;
/** The core.wasm in use, as its file's size and modification time: another build's blob is not read. */
function coreBuild(): string {
  if (coreIdentity === undefined) {
    const st = statSync(coreWasmPath());
    coreIdentity = `${st.size}:${st.mtimeMs}`;
  }
  return coreIdentity;
}

/**
 * The header of a blob made from configDir as it is now, and whether the directory's last change
 * is old enough (settled) that a later one cannot share its modification time.
 */
export function snapshotHeader(configDir: string): { header: string; settled: boolean } {
  const { stamp, settled } = dirStamp(configDir);
  return { header: `${FORMAT} ${coreBuild()} ${stamp} ${encodeURIComponent(configDir)}\n`, settled };
}

/** The blob saved under this header, or undefined (none saved, or one for another state of the directory). */
export function readSnapshot(runDir: string, header: string): Uint8Array | undefined {
  let file: Buffer;
  try {
    file = readFileSync(snapshotPath(runDir));
  } catch {
    return undefined;
  }
  const end = file.indexOf(10);
  if (end < 0 || file.toString("utf8", 0, end + 1) !== header) return undefined;
  return file.subarray(end + 1);
}

/**
 * Saves the blob made from the directory as the header says it was (atomically: a reader sees
 * the old one or this; not flushed, as a blob lost in a crash only means reading the files).
 * One that cannot be saved is removed, so that none stands for the directory as it was.
 */
export function writeSnapshot(runDir: string, header: string, blob: Uint8Array): void {
  try {
    writeAtomically(snapshotPath(runDir), Buffer.concat([Buffer.from(header), blob]), false);
  } catch {
    removeSnapshot(runDir);
  }
}

export function removeSnapshot(runDir: string): void {
  rmSync(snapshotPath(runDir), { force: true });
}
