// The node's small text files, which several processes read and replace at once: a reader
// takes a missing file as no answer, and a writer never lets one be seen half written.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";

/** The file's text, or undefined when it cannot be read (gone, or never written). */
export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Writes through a temporary file, flushed, then renamed into place; a failed write leaves no temporary file. */
export function writeAtomically(path: string, data: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, "w", 0o600);
  try {
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}
