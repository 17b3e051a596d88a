// virtkitd's listening sockets, at libvirt's names inside one directory: `libvirt-sock` (read-write,
// mode 0600: only its owner, root on a node, can connect; the peer's credentials are checked as
// well) and `libvirt-sock-ro` (mode 0666: every connection on it is read-only). Each accepted
// socket becomes a DaemonClient of its own.
import { chmodSync, existsSync, mkdirSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { join } from "node:path";
import { loadNativeShim } from "../host/native.js";
import { DaemonClient } from "./client.js";

/** A TLS listener: the daemon's certificate and key, and the CA its clients' certificates must chain to. */
export interface TlsListener {
  host?: string;
  port: number;
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

export interface DaemonOptions {
  socketDir: string;
  /**
   * TCP with no authentication (off unless given): every connection on it is read-only, since
   * nothing says who is calling.
   */
  tcp?: { host?: string; port: number };
  /** TLS (off unless given): a client with a certificate the CA signed may change things. */
  tls?: TlsListener;
  /** What a CONNECT_OPEN with no URI opens (libvirt's default-URI probing). */
  defaultURI?: string;
  log?: (message: string) => void;
}

/** libvirt's socket names. */
export const SOCKET_NAME = "libvirt-sock";
export const READ_ONLY_SOCKET_NAME = "libvirt-sock-ro";

/** Whether a daemon answers on `path` (a socket file left by one that died does not). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}

function listen(server: Server, path: string, mode: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    // the socket is created with no access for others, then opened up to its mode: no window
    // in which a client could connect to a read-write socket it should not reach
    const umask = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off("error", reject);
        chmodSync(path, mode);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
}

/**
 * Why the peer on the read-write socket may not open a connection, or undefined: root and the
 * daemon's own user may (libvirtd's default, where the socket's mode already keeps others out;
 * this holds even if that mode is loosened). Without the native shim the mode alone decides.
 */
function writerRefusal(socket: Socket): string | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  let peer: { uid: number; pid: number } | undefined;
  try {
    if (typeof fd === "number" && fd >= 0) peer = loadNativeShim().peerCredentials(fd);
  } catch {
    peer = undefined;
  }
  if (!peer || peer.uid === 0 || peer.uid === process.getuid?.()) return undefined;
  return `authentication failed: uid ${peer.uid} (pid ${peer.pid}) may not use the read-write socket`;
}

export class Daemon {
  private readonly clients = new Set<DaemonClient>();
  private readonly servers: Server[] = [];
  private readonly paths: string[] = [];
  /** The TCP and TLS listeners, to tell the ports they got. */
  private readonly netServers = new Map<"tcp" | "tls", Server>();
  private readonly registrationWaiters: (() => void)[] = [];

  private constructor(private readonly options: DaemonOptions) {}

  /** Listens on both sockets; refuses when another daemon already answers there. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const daemon = new Daemon(options);
    mkdirSync(options.socketDir, { recursive: true, mode: 0o755 });
    try {
      await daemon.listenOn(join(options.socketDir, SOCKET_NAME), false, 0o600);
      await daemon.listenOn(join(options.socketDir, READ_ONLY_SOCKET_NAME), true, 0o666);
      if (options.tcp) await daemon.listenTcp(options.tcp);
      if (options.tls) await daemon.listenTls(options.tls);
    } catch (e) {
      await daemon.stop();
      throw e;
    }
    return daemon;
  }

  private async listenOn(path: string, readOnly: boolean, mode: number): Promise<void> {
    if (existsSync(path)) {
      if (await answers(path)) throw new Error(`a daemon already listens on ${path}`);
      unlinkSync(path);
    }
    const server = createServer((socket: Socket) => this.serve(socket, readOnly, readOnly ? undefined : writerRefusal(socket)));
    await listen(server, path, mode);
    this.servers.push(server);
    this.paths.push(path);
  }

  private serve(socket: Socket, readOnly: boolean, refusal?: string): void {
    const log = this.options.log ?? (() => {});
    const callbackRegistered = () => this.registrationWaiters.splice(0).forEach((resolve) => resolve());
    const client = new DaemonClient(socket, { readOnly, defaultURI: this.options.defaultURI ?? "kvm:///system", log, callbackRegistered, refusal });
    this.clients.add(client);
    socket.once("close", () => this.clients.delete(client));
  }

  private listenTcp({ host, port }: { host?: string; port: number }): Promise<void> {
    const server = createServer((socket) => this.serve(socket, true));
    return this.listenNet("tcp", server, port, host);
  }

  /** libvirt's TLS: after the handshake the server sends one byte, 1, saying it accepts the client. */
  private listenTls(tls: TlsListener): Promise<void> {
    const server = createTlsServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true }, (socket) => {
      socket.write(Buffer.from([1]));
      this.serve(socket, false);
    });
    return this.listenNet("tls", server, tls.port, tls.host);
  }

  private listenNet(kind: "tcp" | "tls", server: Server, port: number, host?: string): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        this.servers.push(server);
        this.netServers.set(kind, server);
        resolve();
      });
    });
  }

  /** The port a TCP or TLS listener got (the one asked for, or the system's pick for 0). */
  portOf(kind: "tcp" | "tls"): number | undefined {
    const address = this.netServers.get(kind)?.address();
    return typeof address === "object" && address ? address.port : undefined;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Resolves when a client next registers an event callback (tests wait on it, not on time). */
  nextEventCallback(): Promise<void> {
    return new Promise((resolve) => this.registrationWaiters.push(resolve));
  }

  /** Stops listening, ends every client (closing its connection) and removes the sockets. */
  async stop(): Promise<void> {
    // close() completes only once every client is gone: ask first, end the clients, then wait
    const closed = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    await Promise.all([...this.clients].map((c) => c.end()));
    await Promise.all(closed);
    this.clients.clear();
    for (const path of this.paths) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
  }
}
