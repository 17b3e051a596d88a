// The calling machinery every operation shares: the host writes an operation's input into the
// buffer inputBuffer() returns, calls it, and reads its result (or its error message) at
// outputPtr()/outputLen(); lastErrorCode()/lastErrorDomain() say which error.
import { beginError, clearError, Code, errorCode, errorDomain, errorMessage, From } from "../errors";
import { Doc } from "../xml/dom";
import { reserveInput } from "../xml/parser";
import { clearEvents } from "../node/events";
import { WireReader, WireWriter } from "./wire";

export { eventCount } from "../node/events";

/** Where operations read their input (a document, parsed in place, or input fields) and write their output. */
export class Io {
  input: Doc = new Doc();
  output: WireWriter = new WireWriter(16384);
}
export const io = new Io();
const reader = new WireReader();
let outputIsError = false;

export function inputBuffer(len: i32): usize {
  return reserveInput(io.input, len);
}

export function outputPtr(): usize {
  return outputIsError ? errorMessage.ptr : io.output.ptr;
}

export function outputLen(): i32 {
  return outputIsError ? errorMessage.length : io.output.length;
}

export function lastErrorCode(): i32 {
  return errorCode;
}

export function lastErrorDomain(): i32 {
  return errorDomain;
}

/**
 * Each operation starts with no error, no output and (but for takeEvents) no pending events: the
 * host takes an operation's events right after it, when it has listeners, so older ones are stale.
 */
export function begin(keepEvents: bool = false): void {
  clearError();
  io.output.clear();
  if (!keepEvents) clearEvents();
}

/** The input fields of this call (inputLen bytes). */
export function inputOf(inputLen: i32): WireReader {
  return reader.reset(io.input.buf.ptr, inputLen < 0 ? 0 : inputLen);
}

/** The host sent fields that do not add up (a host bug, never a user error). */
export function malformedInput(): i32 {
  beginError(Code.INTERNAL_ERROR, From.NONE).str("malformed input for a core operation");
  return done(false);
}

// The core is built with AssemblyScript's minimal runtime: no shadow stack (half the cost of
// every call with the incremental one), and garbage is collected only when asked. Operations
// allocate little, so every 256th operation collects, at its very end: no wasm frame is live
// then and the host holds no references, so the globals are the only roots.
let operationsSinceCollect = 0;

/** Ends an operation: 0, or -1 with the error as its output. */
export function done(ok: bool): i32 {
  outputIsError = !ok;
  if (++operationsSinceCollect >= 256) {
    operationsSinceCollect = 0;
    __collect();
  }
  return ok ? 0 : -1;
}
