// Loads core.wasm, satisfies its imports and calls its operations: the typed methods come from the
// ABI table (core-abi.gen.ts); this file moves their input and output through linear memory. The
// module is built against WASI (it imports fd_write and proc_exit for its abort path); outside a
// WASI runtime a two-function stand-in turns an abort into an exception, after which the
// instance is replaced.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import { ABI_FINGERPRINT, CoreOperations, type CoreExports } from "./core-abi.gen.js";
import { nodeCoreImports, type CoreImports } from "./core-imports.js";
import { WireReader, WireWriter } from "./wire.js";
import { escapedBytes, wellFormed } from "./utf8.js";

/** Raised by the WASI stand-in when the core aborts (a bug, never a user error). */
class CoreAbort extends Error {}

let cachedModule: WebAssembly.Module | undefined;

/** Where core.wasm lives: wasm/ at the package root, seen from src/host/ or from dist/. */
export function coreWasmPath(): string {
  for (const rel of ["../wasm/core.wasm", "../../wasm/core.wasm"]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new VirtError(
    ErrorNumber.VIR_ERR_INTERNAL_ERROR,
    ErrorDomain.VIR_FROM_NONE,
    "internal error: wasm/core.wasm is missing (run `npm run build`)",
  );
}

/** Hands over core.wasm compiled ahead of time (the command line compiles it while it loads). */
export function provideCoreModule(module: WebAssembly.Module): void {
  cachedModule ??= module;
}

export function coreModule(): WebAssembly.Module {
  cachedModule ??= new WebAssembly.Module(readFileSync(coreWasmPath()));
  return cachedModule;
}

/** The block_io import's operations (core-wasm/host.ts). */
export const enum BlockOp {
  READ = 0,
  WRITE = 1,
  FLUSH = 2,
  DEALLOCATE = 3,
  ZERO = 4,
}

/** block_io's READ and WRITE with the ranges in the core's own memory (an image format's metadata). */
const READ_CORE = 5;
const WRITE_CORE = 6;

/**
 * Runs one block_io operation on the disk `handle`: READ/WRITE move the bytes between the disk at
 * `offset` and `memory` (guest RAM, or the core's memory for an image's metadata) at the ranges
 * `iovecs` lists (records of {f64 address in memory, u32 length, u32 0}); FLUSH syncs;
 * DEALLOCATE/ZERO act on `count` bytes at `offset`. Returns the bytes moved (0 for the others) or -errno.
 */
export type BlockIo = (op: BlockOp, handle: number, offset: number, memory: ArrayBuffer, iovecs: Uint8Array, count: number) => number;
export const IOVEC_BYTES = 16;

/** The net_io import's operations (core-wasm/host.ts). */
export const enum NetOp {
  SEND = 0,
  RECEIVE = 1,
  OFFLOAD = 2,
  WATCH = 3,
}

/**
 * Runs one net_io operation on the tap `handle`: SEND writes one frame (virtio-net header first)
 * from the ranges `iovecs` lists in `memory` (guest RAM), RECEIVE reads one frame into them;
 * OFFLOAD sets the tap's TUN_F_* offloads to `count`; WATCH wakes vCPU 0 once a frame waits.
 * Returns the bytes moved (0 for the others) or -errno (-EAGAIN: no frame waiting).
 */
export type NetIo = (op: NetOp, handle: number, memory: ArrayBuffer, iovecs: Uint8Array, count: number) => number;
const ENOSYS = 38;
const EFAULT = 14;
const EMPTY = new Uint8Array(0);
const NO_MEMORY = new ArrayBuffer(0);

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");
/** The core's document size limit (core-wasm/xml/parser.ts MAX_DOCUMENT_BYTES). */
const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

export class Core extends CoreOperations {
  protected exports!: CoreExports;
  private abortText = "";
  private readonly writer = new WireWriter();
  /** The core's memory as a Buffer, made again only when it grew (its old buffer is then detached). */
  private memoryBytesView = Buffer.alloc(0);
  /**
   * The guest's RAM (guest-physical 0 up), when this core is a VMM: its virtqueues read and write
   * there through guest_read/guest_write. Without it those imports answer -1.
   */
  guestMemory: Uint8Array | undefined;
  /** Runs the block_io import's disk operations (the VMM's disks); without it they fail with ENOSYS. */
  blockIo: BlockIo | undefined;
  /** Runs the net_io import's tap operations (the VMM's NICs); without it they fail with ENOSYS. */
  netIo: NetIo | undefined;

  constructor(
    private readonly module: WebAssembly.Module = coreModule(),
    private readonly imports: CoreImports = nodeCoreImports,
  ) {
    super();
    this.instantiate();
  }

  private instantiate(): void {
    const instance = new WebAssembly.Instance(this.module, this.importObject());
    this.exports = instance.exports as unknown as CoreExports;
    this.exports._initialize();
    if (this.exports.abiFingerprint() !== ABI_FINGERPRINT) {
      throw new VirtError(
        ErrorNumber.VIR_ERR_INTERNAL_ERROR,
        ErrorDomain.VIR_FROM_NONE,
        "internal error: core.wasm was built from another ABI table than this host (run `npm run build`)",
      );
    }
  }

  private bytes(ptr: number, len: number): Uint8Array {
    return this.memoryView().subarray(ptr, ptr + len);
  }

  /** len bytes of guest RAM at gpa, or undefined when they are not all RAM. */
  private guestRange(gpa: number, len: number): Uint8Array | undefined {
    const ram = this.guestMemory;
    if (!ram || !Number.isInteger(gpa) || gpa < 0 || gpa + len > ram.length) return undefined;
    return ram.subarray(gpa, gpa + len);
  }

  private importObject(): WebAssembly.Imports {
    return {
      shim: {
        random_fill: (ptr: number, len: number) => this.imports.randomFill(this.bytes(ptr >>> 0, len >>> 0)),
        clock_ms: () => this.imports.clockMs(),
        guest_read: (gpa: number, ptr: number, len: number) => {
          const ram = this.guestRange(gpa, len >>> 0);
          if (!ram) return -1;
          this.bytes(ptr >>> 0, len >>> 0).set(ram);
          return 0;
        },
        guest_write: (gpa: number, ptr: number, len: number) => {
          const ram = this.guestRange(gpa, len >>> 0);
          if (!ram) return -1;
          ram.set(this.bytes(ptr >>> 0, len >>> 0));
          return 0;
        },
        block_io: (op: number, handle: number, offset: number, iovecs: number, count: number) => {
          if (!this.blockIo) return -ENOSYS;
          const list = () => this.bytes(iovecs >>> 0, (count >>> 0) * IOVEC_BYTES);
          if (op === READ_CORE || op === WRITE_CORE) return this.blockIo(op - READ_CORE, handle, offset, this.exports.memory.buffer, list(), count);
          if (op !== BlockOp.READ && op !== BlockOp.WRITE) return this.blockIo(op, handle, offset, NO_MEMORY, EMPTY, count);
          // guest-physical addresses are offsets into guest RAM's buffer
          return this.guestMemory ? this.blockIo(op, handle, offset, this.guestMemory.buffer as ArrayBuffer, list(), count) : -EFAULT;
        },
        net_io: (op: number, handle: number, iovecs: number, count: number) => {
          if (!this.netIo) return -ENOSYS;
          if (op !== NetOp.SEND && op !== NetOp.RECEIVE) return this.netIo(op, handle, NO_MEMORY, EMPTY, count);
          if (!this.guestMemory) return -EFAULT;
          return this.netIo(op, handle, this.guestMemory.buffer as ArrayBuffer, this.bytes(iovecs >>> 0, (count >>> 0) * IOVEC_BYTES), count);
        },
      },
      wasi_snapshot_preview1: {
        fd_write: (_fd: number, iovs: number, count: number, written: number) => {
          const view = new DataView(this.exports.memory.buffer);
          let total = 0;
          for (let i = 0; i < count; i++) {
            const ptr = view.getUint32(iovs + i * 8, true);
            const len = view.getUint32(iovs + i * 8 + 4, true);
            this.abortText += decoder.decode(this.bytes(ptr, len));
            total += len;
          }
          view.setUint32(written, total, true);
          return 0;
        },
        proc_exit: (code: number) => {
          throw new CoreAbort(`core.wasm aborted (exit ${code}): ${this.abortText.trim()}`);
        },
      },
    };
  }

  protected input(): WireWriter {
    return this.writer.reset();
  }

  protected sendInput(w: WireWriter): number {
    const n = w.bytesUsed;
    const ptr = this.exports.inputBuffer(n);
    w.copyTo(this.memoryView(), ptr);
    return n;
  }

  protected sendDocument(xml: string | Uint8Array): number {
    if (typeof xml !== "string") {
      // The core refuses by length alone what is too large: such a document is not copied.
      if (xml.length <= MAX_DOCUMENT_BYTES) this.bytes(this.exports.inputBuffer(xml.length), xml.length).set(xml);
      return xml.length;
    }
    if (xml.length * 3 > MAX_DOCUMENT_BYTES && Buffer.byteLength(xml) > MAX_DOCUMENT_BYTES) return Buffer.byteLength(xml);
    const room = xml.length * 3;
    const ptr = this.exports.inputBuffer(room);
    // a lone surrogate is not replaced: the core refuses the bytes it stands for (utf8.ts)
    if (!wellFormed(xml)) return escapedBytes(xml, this.bytes(ptr, room));
    return encoder.encodeInto(xml, this.bytes(ptr, room)).written;
  }

  protected aborted(e: unknown): Error {
    this.abortText = "";
    this.instantiate();
    const message = e instanceof Error ? e.message : String(e);
    return new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_NONE, `internal error: ${message}`);
  }

  protected failure(): Error {
    return new VirtError(this.exports.lastErrorCode(), this.exports.lastErrorDomain(), this.outputText());
  }

  /** The last operation's output as text. */
  protected outputText(): string {
    const ptr = this.exports.outputPtr();
    return this.memoryView().utf8Slice(ptr, ptr + this.exports.outputLen());
  }

  private memoryView(): Buffer {
    const buffer = this.exports.memory.buffer;
    if (this.memoryBytesView.buffer !== buffer) this.memoryBytesView = Buffer.from(buffer);
    return this.memoryBytesView;
  }

  /** The last operation's output bytes (a view into core memory: read it before the next call). */
  protected outputView(): DataView {
    return new DataView(this.exports.memory.buffer, this.exports.outputPtr(), this.exports.outputLen());
  }

  protected output(): WireReader {
    return new WireReader(this.outputView());
  }

  /** How many lifecycle events the last operation caused (takeEvents hands them over). */
  eventCount(): number {
    return this.exports.eventCount();
  }

  /** Size of the core's linear memory in bytes (to watch that it stays bounded). */
  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }
}

let sharedCore: Core | undefined;

/** The process-wide core instance used by the library's stateless functions. */
export function defaultCore(): Core {
  sharedCore ??= new Core();
  return sharedCore;
}
