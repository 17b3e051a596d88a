// Initramfs images without the cpio tool: the newc format, written directly.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** The files under dir as a newc cpio archive (the initramfs format), without needing cpio. */
export function newcArchive(dir) {
  const parts = [];
  let ino = 1;
  const entry = (name, mode, data) => {
    const nameBytes = Buffer.from(`${name}\0`);
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
    const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, "0")).join("")}`);
    const pad = (n) => Buffer.alloc((4 - (n % 4)) % 4);
    parts.push(header, nameBytes, pad(header.length + nameBytes.length), data, pad(data.length));
  };
  const walk = (rel) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, path));
      if (st.isSymbolicLink()) entry(path, 0o120777, Buffer.from(readlinkSync(join(dir, path))));
      else if (st.isDirectory()) {
        entry(path, 0o040755, Buffer.alloc(0));
        walk(path);
      } else entry(path, 0o100000 | (st.mode & 0o777), readFileSync(join(dir, path)));
    }
  };
  walk("");
  entry("TRAILER!!!", 0, Buffer.alloc(0));
  return Buffer.concat(parts);
}

