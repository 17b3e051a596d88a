// The byte stream to a remote daemon, as libvirt's client makes it: a unix socket; TCP (16509);
// TLS (16514) with libvirt's certificate files, after which the server sends one byte saying it
// accepted the client's certificate; ssh, running the system's ssh client with virt-ssh-helper
// (or nc on the daemon's socket) on the far side; or any command (ext) whose stdin and stdout
// carry the protocol.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";
import { socketChannel, streamChannel, type ByteChannel } from "../../rpc/channel.js";
import { strerror } from "../../errno.js";
import type { RemoteURI } from "./uri.js";

const TCP_PORT = 16509;
const TLS_PORT = 16514;
/** libvirt's daemon sockets. */
const SYSTEM_SOCKET = "/run/libvirt/libvirt-sock";
const SYSTEM_SOCKET_RO = "/run/libvirt/libvirt-sock-ro";

/** libvirt's words: "Failed to connect socket to '/run/libvirt/libvirt-sock': No such file or directory". */
function connectFailed(what: string, e: Error): VirtError {
  return new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_RPC, `Failed to connect ${what}: ${strerror(e)}`);
}

function waitConnected<T extends Socket>(socket: T, event: "connect" | "secureConnect", what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    socket.once(event, () => {
      socket.off("error", onError);
      resolve(socket);
    });
    const onError = (e: Error) => reject(connectFailed(what, e));
    socket.once("error", onError);
  });
}

/** The daemon's unix socket for this URI: socket=, or libvirt's system socket. */
export function unixSocketPath(uri: RemoteURI, readOnly: boolean): string {
  return uri.params.get("socket") ?? (readOnly ? SYSTEM_SOCKET_RO : SYSTEM_SOCKET);
}

/** libvirt's certificate files: pkipath=DIR, else /etc/pki for root and ~/.pki/libvirt for others. */
export function certificateFiles(uri: RemoteURI): { ca: string; cert: string; key: string } {
  const dir = uri.params.get("pkipath");
  if (dir) return { ca: join(dir, "cacert.pem"), cert: join(dir, "clientcert.pem"), key: join(dir, "clientkey.pem") };
  if (process.getuid?.() === 0) return { ca: "/etc/pki/CA/cacert.pem", cert: "/etc/pki/libvirt/clientcert.pem", key: "/etc/pki/libvirt/private/clientkey.pem" };
  const user = join(homedir(), ".pki", "libvirt");
  return { ca: join(user, "cacert.pem"), cert: join(user, "clientcert.pem"), key: join(user, "clientkey.pem") };
}

async function tlsChannel(uri: RemoteURI): Promise<Duplex> {
  const files = certificateFiles(uri);
  let options: { ca: Buffer; cert: Buffer; key: Buffer };
  try {
    options = { ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key) };
  } catch (e) {
    throw new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_RPC, `Cannot read CA certificate or client key: ${(e as Error).message}`);
  }
  const verify = uri.params.get("no_verify") !== "1";
  const socket = tlsConnect({ host: uri.host, port: uri.port ?? TLS_PORT, servername: uri.host, ...options, rejectUnauthorized: verify });
  const secure = await waitConnected<TLSSocket>(socket, "secureConnect", `to ${uri.host}`);
  // the daemon's verdict on our certificate: one byte, 1 for accepted
  const verdict = await new Promise<Buffer>((resolve, reject) => {
    secure.once("readable", () => resolve(secure.read(1) ?? Buffer.alloc(0)));
    secure.once("error", reject);
  });
  if (verdict[0] !== 1) throw new VirtError(ErrorNumber.VIR_ERR_RPC, ErrorDomain.VIR_FROM_RPC, "RPC error : server verification (of our certificate or IP address) failed");
  return secure;
}

/** A word for a POSIX shell, whatever it holds. */
const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** The shell command run on the far side of ssh: virt-ssh-helper when it is there, else nc on the socket. */
export function sshProxyCommand(uri: RemoteURI, readOnly: boolean): string {
  const netcat = uri.params.get("netcat") ?? "nc";
  const socket = unixSocketPath(uri, readOnly);
  const viaNetcat = `exec ${quote(netcat)} -U ${quote(socket)}`;
  const proxy = uri.params.get("proxy") ?? "auto";
  if (proxy === "netcat") return viaNetcat;
  if (proxy === "native") return `exec virt-ssh-helper ${quote(uri.name)}`;
  return `if command -v virt-ssh-helper >/dev/null 2>&1; then exec virt-ssh-helper ${quote(uri.name)}; else ${viaNetcat}; fi`;
}

/** The ssh command line libvirt's client runs (before the proxy command). */
export function sshArguments(uri: RemoteURI): string[] {
  const args: string[] = [];
  if (uri.port !== undefined) args.push("-p", String(uri.port));
  if (uri.user !== undefined) args.push("-l", uri.user);
  const keyfile = uri.params.get("keyfile");
  if (keyfile) args.push("-i", keyfile);
  args.push("-T", "-e", "none");
  if (uri.params.get("no_tty") === "1") args.push("-o", "BatchMode=yes");
  args.push("--", uri.host ?? "localhost");
  return args;
}

/**
 * A child process whose stdin and stdout are the stream; its end closes it. What it says on
 * stderr (ssh's "Connection refused", a missing helper) becomes the error of a stream that ends
 * unasked, as libvirt reports it ("Cannot recv data: …"). A write to a child that has gone fails
 * with EPIPE before the child's exit is seen, so write errors are not the stream's: the exit,
 * with everything the child said, is.
 */
function commandChannel(command: string, args: string[]): ByteChannel {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
  const [stdin, stdout, stderr] = [child.stdin!, child.stdout!, child.stderr!];
  const channel = new Duplex({
    read: () => stdout.resume(),
    write: (chunk: Buffer, _encoding, done) => void stdin.write(chunk, () => done()),
    final: (done) => void stdin.end(() => done()),
    destroy: (error, done) => {
      child.kill();
      done(error);
    },
  });
  stdin.on("error", () => {});
  stdout.on("data", (b: Buffer) => channel.push(b) || stdout.pause());
  let said = "";
  stderr.on("data", (b: Buffer) => (said = (said + b.toString()).slice(-4096)));
  child.once("error", (e) => channel.destroy(connectFailed(`with ${command}`, e)));
  child.once("close", () => {
    if (channel.destroyed) return;
    const why = said.trim().replace(/\s*\n\s*/g, ": ");
    channel.destroy(why ? new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_RPC, `Cannot recv data: ${why}`) : undefined);
  });
  return streamChannel(channel);
}

export async function openChannel(uri: RemoteURI, readOnly: boolean): Promise<ByteChannel> {
  switch (uri.transport) {
    case "unix": {
      const path = unixSocketPath(uri, readOnly);
      const channel = socketChannel({ path });
      await waitConnected(channel.stream, "connect", `socket to '${path}'`);
      return channel;
    }
    case "tcp": {
      const channel = socketChannel({ port: uri.port ?? TCP_PORT, host: uri.host ?? "localhost" });
      await waitConnected(channel.stream, "connect", `to ${uri.host}`);
      return channel;
    }
    case "tls":
      return streamChannel(await tlsChannel(uri));
    case "ssh":
      return commandChannel(uri.params.get("command") ?? "ssh", [...sshArguments(uri), `sh -c ${quote(sshProxyCommand(uri, readOnly))}`]);
    case "ext": {
      const command = uri.params.get("command");
      if (!command) throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_REMOTE, "invalid argument: remote command is required for ext transport");
      return commandChannel(command, []);
    }
  }
}
