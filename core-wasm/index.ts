// core.wasm's exports. The host writes a UTF-8 document into the buffer returned by
// inputBuffer(), calls an operation with its length, and reads the result (or the error
// message) from outputPtr()/outputLen(). Every operation returns 0 on success, -1 on error.
import { errorCode, errorDomain, errorMessage, clearError } from "./errors";
import { ByteBuf } from "./util/bytes";
import { Doc } from "./xml/dom";
import { parseDocument, reserveInput } from "./xml/parser";
import { writeElement } from "./xml/writer";

const doc = new Doc();
const output = new ByteBuf(16384);
let outputIsError = false;

export function inputBuffer(len: i32): usize {
  return reserveInput(doc, len);
}

export function outputPtr(): usize {
  return outputIsError ? errorMessage.ptr : output.ptr;
}

export function outputLen(): i32 {
  return outputIsError ? errorMessage.length : output.length;
}

export function lastErrorCode(): i32 {
  return errorCode;
}

export function lastErrorDomain(): i32 {
  return errorDomain;
}

function done(ok: bool): i32 {
  outputIsError = !ok;
  return ok ? 0 : -1;
}

/** Parses and re-serialises any XML document (no domain semantics): the parser's own check. */
export function xmlRoundTrip(len: i32): i32 {
  clearError();
  output.clear();
  if (!parseDocument(doc, len, "(domain_definition)")) return done(false);
  writeElement(output, doc, doc.root, 0);
  return done(true);
}
