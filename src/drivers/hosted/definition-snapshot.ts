// <run>/.definitions: every persistent definition of the node as one blob core.wasm reads back
// without parsing XML (core-wasm/objects/definition-snapshot.ts), so that a process opening a node
// of 1,000 definitions reads one file instead of parsing and ruling 1,000.
//
// The blob is trusted only for the configuration directory it was made from, as it was: its
// header names the directory, its inode and modification time (settled: see settledStamp), and
// the core.wasm that made it. Every change of a definition replaces or removes a file there
// (NAME.xml is written by rename), which moves the directory's modification time, so a blob
// made before the change no longer matches and the files are read again. (An edit of NAME.xml in
// place, by hand, is not seen until the next such change, as libvirt does not see one until
// its daemon restarts.)
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { coreWasmPath } from "../../host/core.js";
import { settledStamp } from "./node-dirs.js";
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
 * The header a blob made from configDir as it is now carries, or "" while the directory changed
 * too recently for its modification time to tell the next change.
 */
export function snapshotHeader(configDir: string): string {
  const stamp = settledStamp(configDir);
  return stamp === "" ? "" : `${FORMAT} ${coreBuild()} ${stamp} ${encodeURIComponent(configDir)}\n`;
}

/** The blob saved under this header, or undefined (none saved, or one for another state of the directory). */
export function readSnapshot(runDir: string, header: string): Uint8Array | undefined {
  if (header === "") return undefined;
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

/** Saves the blob made from the directory as the header says it was (atomically: a reader sees the old one or this). */
export function writeSnapshot(runDir: string, header: string, blob: Uint8Array): void {
  writeAtomically(snapshotPath(runDir), Buffer.concat([Buffer.from(header), blob]));
}
