// The block_io operations (src/host/core.ts BlockIo) done with node:fs over fake guest RAM, for
// tests of the disk devices without the native shim; every operation is logged.
import { fdatasyncSync, readSync, writeSync } from "node:fs";
import { BlockOp, IOVEC_BYTES, type BlockIo } from "../../src/host/core.js";

export interface FileDisk {
  io: BlockIo;
  /** The operations run, in order ("read 1024@512", "flush", …). */
  log: string[];
  /** The next operation fails with this errno instead of running. */
  failNext?: number;
}

const NAMES = ["read", "write", "flush", "deallocate", "zero"];
const EIO = 5;

/** block_io on the file descriptors handed to the core as handles. */
export function fileDisk(): FileDisk {
  const disk: FileDisk = {
    log: [],
    io: (op, fd, offset, memory, iovecs, count) => {
      const ram = new Uint8Array(memory);
      const view = new DataView(iovecs.buffer, iovecs.byteOffset, iovecs.byteLength);
      const ranges = Array.from({ length: op <= BlockOp.WRITE ? count : 0 }, (_, i) => [view.getFloat64(i * IOVEC_BYTES, true), view.getUint32(i * IOVEC_BYTES + 8, true)]);
      const bytes = op <= BlockOp.WRITE ? ranges.reduce((sum, [, len]) => sum + len, 0) : count;
      disk.log.push(op === BlockOp.FLUSH ? "flush" : `${NAMES[op]} ${bytes}@${offset}`);
      if (disk.failNext) {
        const errno = disk.failNext;
        disk.failNext = undefined;
        return -errno;
      }
      let at = offset;
      switch (op) {
        case BlockOp.READ:
        case BlockOp.WRITE:
          for (const [gpa, len] of ranges) {
            // as the shim: a read that reaches the end of the file is an I/O error
            if (op === BlockOp.READ && readSync(fd, ram, gpa, len, at) < len) return -EIO;
            if (op === BlockOp.WRITE) writeSync(fd, ram, gpa, len, at);
            at += len;
          }
          return bytes;
        case BlockOp.FLUSH:
          fdatasyncSync(fd);
          return 0;
        default:
          // both read back as zeros afterwards
          writeSync(fd, new Uint8Array(count), 0, count, offset);
          return 0;
      }
    },
  };
  return disk;
}
