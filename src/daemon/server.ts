// virtkitd's listening sockets, at libvirt's names inside one directory: `libvirt-sock` (read-write,
// mode 0600: only its owner, root on a node, can connect) and `libvirt-sock-ro` (mode 0666: every
// connection on it is read-only). Each accepted socket becomes a DaemonClient of its own.
import { chmodSync, existsSync, mkdirSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { DaemonClient } from "./client.js";

export interface DaemonOptions {
  socketDir: string;
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

export class Daemon {
  private readonly clients = new Set<DaemonClient>();
  private readonly servers: Server[] = [];
  private readonly paths: string[] = [];
  private readonly registrationWaiters: (() => void)[] = [];

  private constructor(private readonly options: DaemonOptions) {}

  /** Listens on both sockets; refuses when another daemon already answers there. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const daemon = new Daemon(options);
    mkdirSync(options.socketDir, { recursive: true, mode: 0o755 });
    try {
      await daemon.listenOn(join(options.socketDir, SOCKET_NAME), false, 0o600);
      await daemon.listenOn(join(options.socketDir, READ_ONLY_SOCKET_NAME), true, 0o666);
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
    const log = this.options.log ?? (() => {});
    const server = createServer((socket: Socket) => {
      const callbackRegistered = () => this.registrationWaiters.splice(0).forEach((resolve) => resolve());
      const client = new DaemonClient(socket, { readOnly, defaultURI: this.options.defaultURI ?? "kvm:///system", log, callbackRegistered });
      this.clients.add(client);
      socket.once("close", () => this.clients.delete(client));
    });
    await listen(server, path, mode);
    this.servers.push(server);
    this.paths.push(path);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Resolves once some client has an event callback registered (tests wait on it, not on time). */
  eventCallbacksRegistered(): Promise<void> {
    if ([...this.clients].some((c) => c.events.size > 0)) return Promise.resolve();
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
