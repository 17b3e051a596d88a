// From a CALL to its REPLY: finds the procedure in libvirt's table, decodes its arguments within
// the .x file's bounds, runs virtkit's handler, and encodes the result or libvirt's error struct.
// The errors are libvirtd's: an unknown number is VIR_ERR_RPC "unknown procedure: N"; a procedure
// virtkit has no handler for is VIR_ERR_NO_SUPPORT naming its public API, as a driver without it
// answers; anything before CONNECT_OPEN but the start-up calls is "connection not open".
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import { REMOTE_PROCEDURES, remote_error, type ProcedureSpec } from "../rpc/remote-protocol.gen.js";
import { wireError } from "../rpc/objects.js";
import { rpcError, XdrReader, XdrWriter } from "../rpc/xdr.js";
import { connectHandlers } from "./handlers/connect.js";
import { domainHandlers } from "./handlers/domain.js";
import { eventHandlers } from "./handlers/events.js";
import { networkHandlers } from "./handlers/network.js";
import { streamHandlers } from "./handlers/streams.js";
import type { Handlers } from "./handlers/types.js";
import type { DaemonClient } from "./client.js";

const HANDLERS: Handlers = { ...connectHandlers, ...domainHandlers, ...networkHandlers, ...eventHandlers, ...streamHandlers };

/** Calls a client may make before CONNECT_OPEN (authentication and the keepalive probe). */
const BEFORE_OPEN = new Set(["AUTH_LIST", "CONNECT_OPEN", "CONNECT_SUPPORTS_FEATURE"]);

/** Words libvirt writes in capitals inside its API names (virDomainGetXMLDesc, virNodeGetCPUMap). */
const ACRONYMS = new Set(["XML", "UUID", "ID", "CPU", "OS", "PM", "NMI", "IO", "FS", "SEV", "URI", "DHCP", "MAC", "TLS", "SSH", "FD"]);

/** The public API a procedure stands for: DOMAIN_GET_XML_DESC → virDomainGetXMLDesc. */
export function apiName(procedure: string): string {
  const words = procedure.split("_").map((w) => (ACRONYMS.has(w) ? w : w[0] + w.slice(1).toLowerCase()));
  return `vir${words.join("")}`;
}

export type Reply = { status: "ok"; payload: Buffer } | { status: "error"; payload: Buffer };

/** libvirt's error struct for a failure (a VirtError's code, domain and message). */
export function errorPayload(e: unknown): Buffer {
  const w = new XdrWriter();
  remote_error.encode(w, wireError(e));
  return w.bytes();
}

const errorReply = (e: unknown): Reply => ({ status: "error", payload: errorPayload(e) });

/** A handler seen from the dispatcher, which has only the decoded value, not its type. */
type AnyHandler = (client: DaemonClient, args: unknown, serial: number) => unknown;

function handlerFor(spec: ProcedureSpec): AnyHandler | undefined {
  return (HANDLERS as Record<string, AnyHandler | undefined>)[spec.name];
}

/** Runs one call; never throws (a failure becomes the error reply). */
export async function dispatchCall(client: DaemonClient, proc: number, serial: number, payload: Buffer): Promise<Reply> {
  const spec = REMOTE_PROCEDURES.get(proc);
  if (!spec) return errorReply(rpcError(`unknown procedure: ${proc}`));
  try {
    const args = new XdrReader(payload);
    const decoded = spec.args.decode(args);
    args.end(`the arguments of ${spec.name}`);
    if (!BEFORE_OPEN.has(spec.name) && !client.isOpen()) {
      throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_RPC, "internal error: connection not open");
    }
    const handler = handlerFor(spec);
    if (!handler) {
      throw new VirtError(ErrorNumber.VIR_ERR_NO_SUPPORT, ErrorDomain.VIR_FROM_NONE, `this function is not supported by the connection driver: ${apiName(spec.name)}`);
    }
    const result = await handler(client, decoded, serial);
    const w = new XdrWriter();
    spec.ret.encode(w, result);
    return { status: "ok", payload: w.bytes() };
  } catch (e) {
    return errorReply(e);
  }
}
