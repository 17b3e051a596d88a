// Operations on a document alone (no node): the library's stateless XML functions.
import { canonicalizeDoc, writeDomain } from "../domain/canonical";
import { writeDomainJSON } from "../domain/json";
import { parseDocument } from "../xml/parser";
import { writeElement } from "../xml/writer";
import { io } from "../abi/runtime";
import { NONE } from "../xml/dom";
import { S } from "../xml/names.gen";

export function canonicalize(len: i32, flags: i32): bool {
  if (!canonicalizeDoc(io.input, len, flags)) return false;
  writeDomain(io.output, io.input);
  return true;
}

export function parseToJSON(len: i32, flags: i32): bool {
  if (!canonicalizeDoc(io.input, len, flags)) return false;
  writeDomainJSON(io.output, io.input);
  return true;
}

export function parseXML(len: i32): bool {
  return parseDocument(io.input, len, "(domain_definition)");
}

export function documentName(len: i32): bool {
  const d = io.input;
  if (!parseDocument(d, len, "(domain_definition)")) return false;
  const name = d.child(d.root, S.name);
  const text = name == NONE ? NONE : d.textNode(name);
  if (text != NONE) io.output.raw(d.buf.ptr + <usize>d.valOffOf(text), d.valLenOf(text));
  return true;
}

export function xmlRoundTrip(len: i32): bool {
  if (!parseDocument(io.input, len, "(domain_definition)")) return false;
  writeElement(io.output, io.input, io.input.root, 0);
  return true;
}
