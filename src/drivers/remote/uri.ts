// libvirt's remote URIs: DRIVER[+TRANSPORT]://[USER@][HOST][:PORT]/PATH[?PARAMS]. The transport
// is unix, ssh, tcp, tls or ext (with a host and none named: tls). The URI the far daemon opens
// is the same one without the transport, the host and the parameters only the client uses
// (socket=, command=, …), unless name= gives it.
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";

export type Transport = "unix" | "ssh" | "tcp" | "tls" | "ext";

export interface RemoteURI {
  transport: Transport;
  /** The driver's part of the scheme (qemu, test, lxc, …). */
  driver: string;
  user: string | undefined;
  host: string | undefined;
  port: number | undefined;
  /** The URI the daemon is asked to open (CONNECT_OPEN's name). */
  name: string;
  /** The client-side parameters: socket, command, netcat, keyfile, no_verify, no_tty, pkipath, … */
  params: ReadonlyMap<string, string>;
}

/** Parameters the client itself uses; the daemon never sees them. */
const CLIENT_PARAMS = new Set(["name", "command", "socket", "auth", "netcat", "keyfile", "sshauth", "no_verify", "no_tty", "pkipath", "known_hosts", "known_hosts_verify", "tls_priority", "mode", "proxy"]);
const TRANSPORTS = new Set<string>(["unix", "ssh", "tcp", "tls", "ext", "libssh", "libssh2"]);

function invalid(uri: string, why: string): VirtError {
  return new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_REMOTE, `invalid argument: ${why} in URI '${uri}'`);
}

/** The remote URI `uri` names, or undefined when it names a local driver (no transport, no host). */
export function parseRemoteURI(uri: string): RemoteURI | undefined {
  const m = /^([A-Za-z][A-Za-z0-9.-]*)(?:\+([A-Za-z0-9]+))?:\/\/(?:([^@/?]*)@)?(\[[^\]]*\]|[^:/?]*)(?::(\d+))?(\/[^?]*)?(?:\?(.*))?$/.exec(uri);
  if (!m) return undefined;
  const [, driver, transportName, user, rawHost, port, path = "", query] = m;
  const host = rawHost ? rawHost.replace(/^\[(.*)\]$/, "$1") : undefined;
  if (transportName === undefined && host === undefined) return undefined;
  const transport = transportName === undefined ? "tls" : transportName === "libssh" || transportName === "libssh2" ? "ssh" : transportName;
  if (!TRANSPORTS.has(transport)) throw invalid(uri, `transport '${transportName}' is not one of unix, ssh, tcp, tls or ext`);
  if (transport === "unix" && host) throw invalid(uri, "a unix socket cannot be reached on another host");
  const params = new Map<string, string>();
  const kept: string[] = [];
  for (const pair of (query ?? "").split("&").filter(Boolean)) {
    const [key, value = ""] = pair.split(/=(.*)/s, 2);
    const decoded = decodeURIComponent(value);
    if (CLIENT_PARAMS.has(key)) params.set(key, decoded);
    else kept.push(pair);
  }
  const name = params.get("name") ?? `${driver}://${path}${kept.length ? `?${kept.join("&")}` : ""}`;
  return { transport: transport as Transport, driver, user: user ? decodeURIComponent(user) : undefined, host, port: port ? Number(port) : undefined, name, params };
}
