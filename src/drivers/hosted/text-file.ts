// The node's small text files, which several processes read and replace at once: a reader
// takes a missing file as no answer, and a writer never lets one be seen half written.
import { closeSync, constants, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";

/** The file's text, or undefined when it cannot be read (gone, or never written). */
export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** A new file's flags: it must not exist, and a symbolic link in its place is not followed. */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** A new temporary file beside `path`; a name taken (by a leftover, or a planted link) is not used. */
function createTemporary(path: string): { temp: string; fd: number } {
  for (let attempt = 0; ; attempt++) {
    // unpredictable enough that nobody plants a link in advance (crypto would slow the VMM's start)
    const temp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    try {
      return { temp, fd: openSync(temp, CREATE_NEW, 0o600) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (attempt >= 8 || (code !== "EEXIST" && code !== "ELOOP")) throw e;
    }
  }
}

/**
 * Writes through a temporary file, flushed (unless not durable: a cache), then renamed into place; a failed write leaves no
 * temporary file. The temporary file has an unpredictable name and is created new (never through
 * a link planted under its name), and the file gets `mode` (0600) whatever the umask; the rename
 * replaces whatever stood at `path`, a symbolic link included, without following it.
 */
export function writeAtomically(path: string, data: string | Uint8Array, durable = true, mode = 0o600): void {
  const { temp, fd } = createTemporary(path);
  try {
    try {
      fchmodSync(fd, mode);
      writeFileSync(fd, data);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

/** Opens a log for appending (created 0600), never through a symbolic link planted in its place. */
export function openLog(path: string): number {
  return openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
}
