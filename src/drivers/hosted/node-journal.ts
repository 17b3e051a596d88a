// Which definitions changed, without reading every one: <run>/.journal is an append-only list of
// the names whose definition (NAME.xml, its autostart mark) a process changed, one per line,
// appended after the change by the process holding that domain's job lock. A process keeps its
// offset in it and reads only what was appended since. A journal it has not read from the
// start (its first look, or the file was replaced: another inode, or shorter) means "read every
// definition". The journal lives in the run directory, so a host's boot starts it afresh.
import { closeSync, fstatSync, openSync, readSync, renameSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Past this size the next writer starts a new journal (readers then read every definition once). */
const JOURNAL_LIMIT = 256 * 1024;

export class NodeJournal {
  private readonly path: string;
  /** The journal file this process read (its inode) and how far. */
  private ino = -1;
  private offset = 0;

  constructor(runDir: string) {
    this.path = join(runDir, ".journal");
  }

  /** Records that name's definition changed (after the change is on disk). */
  record(name: string): void {
    let fd = openSync(this.path, "a", 0o600);
    if (fstatSync(fd).size > JOURNAL_LIMIT) {
      // a fresh journal: every reader sees another inode, and reads every definition once
      closeSync(fd);
      const fresh = `${this.path}.tmp-${process.pid}`;
      closeSync(openSync(fresh, "w", 0o600));
      renameSync(fresh, this.path);
      fd = openSync(this.path, "a", 0o600);
    }
    try {
      writeSync(fd, `${name}\n`);
    } finally {
      closeSync(fd);
    }
  }

  /** The names changed since this process last asked, or "all" when it must read every definition. */
  changes(): Set<string> | "all" {
    // the common case, nothing appended: one stat
    const st = statSync(this.path, { throwIfNoEntry: false });
    if (st !== undefined && st.ino === this.ino && st.size === this.offset) return new Set();
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch {
      // no journal yet: nobody changed a definition since the host booted (or ever)
      const first = this.ino !== 0;
      this.ino = 0;
      this.offset = 0;
      return first ? "all" : new Set();
    }
    try {
      const st = fstatSync(fd);
      const all = st.ino !== this.ino || st.size < this.offset;
      if (all) [this.ino, this.offset] = [st.ino, 0];
      const names = new Set<string>();
      if (st.size > this.offset) {
        const bytes = Buffer.alloc(st.size - this.offset);
        const n = readSync(fd, bytes, 0, bytes.length, this.offset);
        const text = bytes.subarray(0, n).toString("utf8");
        const complete = text.lastIndexOf("\n") + 1; // a line still being appended is read next time
        for (const name of text.slice(0, complete).split("\n")) if (name !== "") names.add(name);
        this.offset += Buffer.byteLength(text.slice(0, complete));
      }
      return all ? "all" : names;
    } finally {
      closeSync(fd);
    }
  }
}
