// Loads core.wasm and satisfies its imports. Strings cross the boundary once each way as UTF-8
// bytes in linear memory; everything else is numbers. The module is built against WASI
// (it imports fd_write and proc_exit for its abort path); outside a WASI runtime a two-function
// stand-in turns an abort into an exception, after which the instance is replaced.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import { nodeCoreImports, type CoreImports } from "./core-imports.js";

/** The numeric exports every core operation shares. */
interface CoreExports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  inputBuffer(len: number): number;
  outputPtr(): number;
  outputLen(): number;
  lastErrorCode(): number;
  lastErrorDomain(): number;
}

/** An operation export: takes the input length (and flags), returns 0 or -1. */
type Operation = (len: number, flags: number) => number;

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

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");
/** The core's document size limit (core-wasm/xml/parser.ts MAX_DOCUMENT_BYTES). */
const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

export class Core {
  private exports!: CoreExports;
  private abortText = "";

  constructor(
    private readonly module: WebAssembly.Module = coreModule(),
    private readonly shim: CoreImports = nodeCoreImports,
  ) {
    this.instantiate();
  }

  private instantiate(): void {
    const instance = new WebAssembly.Instance(this.module, this.imports());
    this.exports = instance.exports as unknown as CoreExports;
    this.exports._initialize();
  }

  private bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer, ptr, len);
  }

  private imports(): WebAssembly.Imports {
    return {
      shim: {
        random_fill: (ptr: number, len: number) => this.shim.randomFill(this.bytes(ptr >>> 0, len >>> 0)),
        clock_ms: () => this.shim.clockMs(),
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

  /** Runs an operation on a document (text, or UTF-8 bytes) and returns its text result or throws its VirtError. */
  run(operation: string, input: string | Uint8Array, flags = 0): string {
    const op = (this.exports as unknown as Record<string, Operation>)[operation];
    let status: number;
    try {
      if (typeof input !== "string") {
        status = input.length > MAX_DOCUMENT_BYTES ? op(input.length, flags) : this.runOnBytes(op, input, flags);
      } else if (input.length * 3 > MAX_DOCUMENT_BYTES && Buffer.byteLength(input) > MAX_DOCUMENT_BYTES) {
        // The core refuses by length alone; don't copy a document that cannot be accepted.
        status = op(Buffer.byteLength(input), flags);
      } else {
        const room = input.length * 3;
        const ptr = this.exports.inputBuffer(room);
        status = op(encoder.encodeInto(input, this.bytes(ptr, room)).written, flags);
      }
    } catch (e) {
      this.abortText = "";
      this.instantiate();
      const message = e instanceof Error ? e.message : String(e);
      throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_NONE, `internal error: ${message}`);
    }
    const text = decoder.decode(this.bytes(this.exports.outputPtr(), this.exports.outputLen()));
    if (status !== 0) throw new VirtError(this.exports.lastErrorCode(), this.exports.lastErrorDomain(), text);
    return text;
  }

  /**
   * Places input bytes for the next call at the start of the input buffer; `more` follows them.
   * Returns the length of `first` and the total.
   */
  writeInput(first: Uint8Array, more?: Uint8Array): number {
    const total = first.length + (more?.length ?? 0);
    const ptr = this.exports.inputBuffer(total);
    const view = this.bytes(ptr, total);
    view.set(first);
    if (more) view.set(more, first.length);
    return first.length;
  }

  /** Encodes text into the input buffer; returns its length in bytes. */
  writeText(text: string): number {
    const room = text.length * 3;
    const ptr = this.exports.inputBuffer(room);
    return encoder.encodeInto(text, this.bytes(ptr, room)).written;
  }

  /** Calls a numeric core operation; a negative result raises the core's VirtError. */
  call(operation: string, ...args: number[]): number {
    const fn = (this.exports as unknown as Record<string, (...a: number[]) => number>)[operation];
    let result: number;
    try {
      result = fn(...args);
    } catch (e) {
      this.abortText = "";
      this.instantiate();
      const message = e instanceof Error ? e.message : String(e);
      throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_NONE, `internal error: ${message}`);
    }
    if (result < 0) {
      const text = decoder.decode(this.bytes(this.exports.outputPtr(), this.exports.outputLen()));
      throw new VirtError(this.exports.lastErrorCode(), this.exports.lastErrorDomain(), text);
    }
    return result;
  }

  /**
   * A core export called directly, for hot paths that pass and return plain numbers (a VMM's
   * exit handling); no error translation: use it only for operations that cannot fail.
   */
  direct<F extends (...args: number[]) => number | void>(operation: string): F {
    return (this.exports as unknown as Record<string, F>)[operation];
  }

  /** The last operation's output as text. */
  outputText(): string {
    return decoder.decode(this.bytes(this.exports.outputPtr(), this.exports.outputLen()));
  }

  /** The last operation's output bytes (a view into core memory: read it before the next call). */
  outputView(): DataView {
    return new DataView(this.exports.memory.buffer, this.exports.outputPtr(), this.exports.outputLen());
  }

  /** Size of the core's linear memory in bytes (to watch that it stays bounded). */
  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  private runOnBytes(op: Operation, input: Uint8Array, flags: number): number {
    const ptr = this.exports.inputBuffer(input.length);
    this.bytes(ptr, input.length).set(input);
    return op(input.length, flags);
  }
}

let sharedCore: Core | undefined;

/** The process-wide core instance used by the library's stateless functions. */
export function defaultCore(): Core {
  sharedCore ??= new Core();
  return sharedCore;
}
