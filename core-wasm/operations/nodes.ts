// Nodes: the host names each by a handle (an index into `nodes`).
import { Code, From, beginError } from "../errors";
import { DomainNode } from "../node/lifecycle";
import { capabilitiesOf } from "../node/capabilities";
import { clearEvents } from "../node/events";
import { populateDefault } from "../drivers/test/default-node";
import { nodeFileReferences, populateFromNodeFile } from "../drivers/test/node-file";
import { writeNodeInfo } from "../abi/records.gen";
import { io } from "../abi/runtime";

const nodes = new Array<DomainNode | null>();

export function nodeAt(handle: i32): DomainNode | null {
  if (handle < 0 || handle >= nodes.length || nodes[handle] === null) {
    beginError(Code.INVALID_ARG, From.NONE).str("invalid connection");
    return null;
  }
  return nodes[handle];
}

/** Registers a node; its handle is the output. */
export function addNode(node: DomainNode): bool {
  nodes.push(node);
  io.output.putI32(nodes.length - 1);
  return true;
}

export function nodeOpenDefault(): bool {
  const node = new DomainNode();
  if (!populateDefault(node)) return false;
  clearEvents(); // opening is not an event
  return addNode(node);
}

export function nodeFileRefs(xml: usize, len: i32): bool {
  return nodeFileReferences(xml, len, io.output);
}

export function nodeOpenFile(xml: usize, len: i32, files: usize, filesLen: i32): bool {
  const node = new DomainNode();
  if (!populateFromNodeFile(node, xml, len, files, filesLen)) return false;
  clearEvents();
  return addNode(node);
}

export function nodeClose(handle: i32): bool {
  if (handle >= 0 && handle < nodes.length) nodes[handle] = null;
  return true;
}

export function nodeInfo(handle: i32): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const i = node.info;
  writeNodeInfo(io.output, String.UTF8.encode(i.model), <f64>i.memoryKiB, i.cpus, i.mhz, i.nodes, i.sockets, i.cores, i.threads);
  return true;
}

export function nodeCapabilities(handle: i32): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  capabilitiesOf(node, io.output);
  return true;
}
