// test:///PATH node files (libvirt's testOpenFromFile): a <node> with <domain> elements (inline,
// or file='...' which the host reads and passes along), the node's CPU and memory, and the
// test:runstate / test:transient / test:hasmanagedsave extensions on domains.
import { Code, From, beginError } from "../../errors";
import { ByteBuf } from "../../util/bytes";
import { WireReader, WireWriter } from "../../abi/wire";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { parseDocument, reserveInput } from "../../xml/parser";
import { writeElement } from "../../xml/writer";
import { Flag, sym } from "../../domain/context";
import { ParsedU64, parseU64 } from "../../domain/values";
import { State } from "../../objects/states";
import { capture, DomainNode } from "../../node/lifecycle";
import { bootFromNodeFile } from "./default-node";

const nodeDoc = new Doc();
const domainDoc = new Doc();
const scratch = new ByteBuf(4096);
const fileContents = new WireReader();

/** Where this module's calls to the number parsers leave their value. */
const parsed = new ParsedU64();

/** Copies len bytes at p into d's input buffer and parses them. */
function parseInto(d: Doc, p: usize, len: i32, source: string): bool {
  const q = reserveInput(d, len);
  memory.copy(q, p, <usize>len);
  return parseDocument(d, len, source);
}

/** The file names of a node file's <domain file='...'> elements, as a list of strings. */
export function nodeFileReferences(xml: usize, len: i32, out: WireWriter): bool {
  if (!parseInto(nodeDoc, xml, len, "(node_definition)")) return false;
  const countAt = out.beginList();
  let count = 0;
  for (let c = nodeDoc.child(nodeDoc.root, S.domain); c != NONE; c = nodeDoc.nextNamed(c)) {
    const file = nodeDoc.attr(c, S.file);
    if (file == NONE) continue;
    out.putI32(nodeDoc.aLenOf(file));
    out.slice(nodeDoc.buf, nodeDoc.aOffOf(file), nodeDoc.aLenOf(file));
    count++;
  }
  out.endList(countAt, count);
  return true;
}

function numberChild(parent: i32, name: string, fallback: u64): u64 {
  if (parent == NONE) return fallback;
  const c = nodeDoc.child(parent, sym(name));
  const t = c == NONE ? NONE : nodeDoc.textNode(c);
  if (t == NONE || !parseU64(nodeDoc.buf, nodeDoc.valOffOf(t), nodeDoc.valLenOf(t), parsed)) return fallback;
  return parsed.value;
}

/**
 * Fills node from a node file's XML and `files`: the contents of the files its <domain file='...'>
 * elements name, in document order (a list of byte strings, as the ABI lays it out).
 */
export function populateFromNodeFile(node: DomainNode, xml: usize, len: i32, files: usize, filesLen: i32): bool {
  if (!parseInto(nodeDoc, xml, len, "(node_definition)")) return false;
  const root = nodeDoc.root;
  if (nodeDoc.nameOf(root) != sym("node")) {
    beginError(Code.XML_ERROR, From.TEST).str("Root element is not 'node'");
    return false;
  }
  const cpu = nodeDoc.child(root, S.cpu);
  const info = node.info;
  info.mhz = <i32>numberChild(cpu, "mhz", <u64>info.mhz);
  info.nodes = <i32>numberChild(cpu, "nodes", <u64>info.nodes);
  info.sockets = <i32>numberChild(cpu, "sockets", <u64>info.sockets);
  info.cores = <i32>numberChild(cpu, "cores", <u64>info.cores);
  info.threads = <i32>numberChild(cpu, "threads", <u64>info.threads);
  info.cpus = info.nodes * info.sockets * info.cores * info.threads;
  const active = <i32>numberChild(cpu, "active", <u64>info.cpus);
  if (active < info.cpus) info.cpus = active;
  if (cpu != NONE) {
    const model = nodeDoc.child(cpu, S.model);
    const t = model == NONE ? NONE : nodeDoc.textNode(model);
    if (t != NONE) info.model = String.UTF8.decodeUnsafe(nodeDoc.buf.ptr + <usize>nodeDoc.valOffOf(t), <usize>nodeDoc.valLenOf(t));
  }
  info.memoryKiB = numberChild(root, "memory", info.memoryKiB);

  const contents = fileContents.reset(files, filesLen);
  let left = contents.length();
  for (let c = nodeDoc.child(root, S.domain); c != NONE; c = nodeDoc.nextNamed(c)) {
    scratch.clear();
    if (nodeDoc.attr(c, S.file) != NONE) {
      if (left-- <= 0) {
        beginError(Code.XML_ERROR, From.TEST).str("missing domain file contents");
        return false;
      }
      const n = contents.length();
      scratch.raw(contents.skip(n), n);
    } else writeElement(scratch, nodeDoc, c, 0);
    if (!bootDomain(node, scratch)) return false;
  }
  return true;
}

/** Parses one domain of the node file, reads and removes the test: extensions, adds it. */
function bootDomain(node: DomainNode, xml: ByteBuf): bool {
  const extras = domainDoc;
  if (!parseInto(extras, xml.ptr, xml.length, "(domain_definition)")) return false;
  let runstate = State.RUNNING;
  let transient = false;
  let managedSave = false;
  for (let e = extras.firstElement(extras.root); e != NONE; e = extras.nextElement(e)) {
    const name = extras.nameOf(e);
    if (name == sym("test:runstate")) {
      const t = extras.textNode(e);
      if (t == NONE || !parseU64(extras.buf, extras.valOffOf(t), extras.valLenOf(t), parsed) || parsed.value < 1 || parsed.value > 7) {
        beginError(Code.XML_ERROR, From.TEST).str("runstate must be a valid domain state");
        return false;
      }
      runstate = <i32>parsed.value;
    } else if (name == sym("test:transient")) transient = true;
    else if (name == sym("test:hasmanagedsave")) managedSave = true;
  }
  if (transient && runstate == State.SHUTOFF) {
    beginError(Code.XML_ERROR, From.TEST).str("transient domain cannot have runstate 'shutoff'");
    return false;
  }
  if (managedSave && runstate != State.SHUTOFF) {
    beginError(Code.XML_ERROR, From.TEST).str("domain with managedsave image can only have runstate 'shutoff'");
    return false;
  }
  // The definition is the domain without the extensions and the test namespace declaration.
  for (let e = extras.firstElement(extras.root); e != NONE; ) {
    const nx = extras.nextElement(e);
    const n = extras.nameOf(e);
    if (n == sym("test:runstate") || n == sym("test:transient") || n == sym("test:hasmanagedsave") || n == sym("test:domainsnapshot")) extras.remove(e);
    e = nx;
  }
  extras.removeAttr(extras.root, sym("xmlns:test"));
  const def = capture(extras, Flag.INACTIVE);
  if (def === null) return false;
  return bootFromNodeFile(node, def, runstate, transient, managedSave) !== null;
}
