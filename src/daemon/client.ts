// One client of virtkitd: its socket, the messages cut from it, its Connection once it sent
// CONNECT_OPEN, its event callbacks and open streams. Calls run concurrently (each reply carries its
// call's serial); a client with too many calls in flight is not read from until some finish, and
// a client that breaks the framing is dropped without touching any other.
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { Connection, openConnection } from "../connection.js";
import { Domain } from "../domain.js";
import { Network } from "../network.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import type { Codec } from "../rpc/codec.js";
import { encodeMessage, KEEPALIVE_PROGRAM, MessageReader, MessageStatus, MessageType, PROTOCOL_VERSION, REMOTE_PROGRAM, type Message, type MessageHeader } from "../rpc/message.js";
import { domainRef, networkRef } from "../rpc/objects.js";
import { KeepaliveProc, VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX, type remote_nonnull_domain, type remote_nonnull_network } from "../rpc/remote-protocol.gen.js";
import { rpcError, XdrWriter } from "../rpc/xdr.js";
import { dispatchCall, errorPayload } from "./dispatch.js";
import { EventCallbacks } from "./event-callbacks.js";

/** VIR_CONNECT_RO in CONNECT_OPEN's flags. */
const OPEN_READ_ONLY = 1;
/** Calls of one client in flight before the daemon stops reading from it. */
const MAX_CALLS_IN_FLIGHT = 64;
/** A client that leaves this much unread is dropped (it would hold the daemon's memory). */
const MAX_UNREAD_BYTES = 64 * 1024 * 1024;

export interface ClientOptions {
  /** The read-only socket: every connection is opened read-only. */
  readOnly: boolean;
  /** The URI a client's CONNECT_OPEN without a name opens. */
  defaultURI: string;
  log: (message: string) => void;
  /** Told each time the client registers an event callback. */
  callbackRegistered?: () => void;
  /** Set when the peer may not open a connection here (its credentials): CONNECT_OPEN's error. */
  refusal?: string;
}

/** libvirt's clients name the KVM driver qemu:///system; virtkit's is kvm:///system. */
function driverURI(uri: string): string {
  return uri.replace(/^qemu:\/\/\/(system)?$/, "kvm:///system");
}

export class DaemonClient {
  private readonly reader = new MessageReader();
  private conn: Connection | null = null;
  /** The URI the client opened (qemu:///system stays that, though kvm:///system serves it). */
  openedURI = "";
  private inFlight = 0;
  private readonly streams = new Map<number, Duplex>();
  readonly events: EventCallbacks;

  constructor(
    private readonly socket: Socket,
    private readonly options: ClientOptions,
  ) {
    this.events = new EventCallbacks(
      () => this.connection(),
      (proc, codec, msg) => this.sendEvent(proc, codec, msg),
      options.callbackRegistered,
    );
    socket.on("data", (chunk: Buffer) => this.received(chunk));
    socket.on("error", () => this.dispose());
    socket.on("close", () => this.dispose());
  }

  // ---- the connection -----------------------------------------------------------------------

  isOpen(): boolean {
    return this.conn !== null;
  }

  connection(): Connection {
    if (!this.conn) throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_RPC, "internal error: connection not open");
    return this.conn;
  }

  async open(name: string | null, flags: number): Promise<void> {
    if (this.conn) throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_RPC, "internal error: connection already open");
    if (this.options.refusal) throw new VirtError(ErrorNumber.VIR_ERR_AUTH_FAILED, ErrorDomain.VIR_FROM_RPC, this.options.refusal);
    const readOnly = this.options.readOnly || (flags & OPEN_READ_ONLY) !== 0;
    const uri = name ?? this.options.defaultURI;
    const conn = await openConnection(driverURI(uri), { readOnly });
    if (this.socket.destroyed) {
      await conn.close();
      return;
    }
    this.conn = conn;
    this.openedURI = uri;
  }

  async closeConnection(): Promise<void> {
    this.events.clear();
    const conn = this.conn;
    this.conn = null;
    for (const stream of this.streams.values()) stream.destroy();
    this.streams.clear();
    await conn?.close();
  }

  domain(dom: remote_nonnull_domain): Domain {
    return new Domain(this.connection(), domainRef(dom));
  }

  network(net: remote_nonnull_network): Network {
    return new Network(this.connection(), networkRef(net));
  }

  // ---- messages in ----------------------------------------------------------------------------

  private received(chunk: Buffer): void {
    let messages: Message[];
    try {
      messages = this.reader.push(chunk);
    } catch (e) {
      // a length outside libvirt's limits: the stream cannot be followed any further
      this.options.log(`dropping a client: ${(e as Error).message}`);
      this.socket.destroy();
      return;
    }
    for (const m of messages) this.handle(m);
  }

  private handle({ header, payload }: Message): void {
    if (header.prog === KEEPALIVE_PROGRAM) {
      if (header.proc === KeepaliveProc.PING && header.type === MessageType.MESSAGE) this.write({ ...header, type: MessageType.MESSAGE, proc: KeepaliveProc.PONG, serial: 0, status: MessageStatus.OK });
      return;
    }
    if (header.type === MessageType.STREAM) return this.streamData(header, payload);
    if (header.type !== MessageType.CALL) return; // a client sends nothing else libvirtd acts on
    if (header.prog !== REMOTE_PROGRAM || header.vers !== PROTOCOL_VERSION) {
      return this.replyError(header, rpcError(`Cannot find program ${header.prog} version ${header.vers}`));
    }
    if (header.status !== MessageStatus.OK) return this.replyError(header, rpcError(`Unexpected message status ${header.status}`));
    this.call(header, payload);
  }

  private call(header: MessageHeader, payload: Buffer): void {
    if (++this.inFlight >= MAX_CALLS_IN_FLIGHT) this.socket.pause();
    void dispatchCall(this, header.proc, header.serial, payload).then((reply) => {
      if (this.inFlight-- === MAX_CALLS_IN_FLIGHT) this.socket.resume();
      this.write({ ...header, type: MessageType.REPLY, status: reply.status === "ok" ? MessageStatus.OK : MessageStatus.ERROR }, reply.payload);
      this.afterReply.get(header.serial)?.();
      this.afterReply.delete(header.serial);
    });
  }

  private replyError(header: MessageHeader, e: unknown): void {
    this.write({ ...header, type: MessageType.REPLY, status: MessageStatus.ERROR }, errorPayload(e));
  }

  // ---- messages out ---------------------------------------------------------------------------

  private write(header: MessageHeader, payload?: Buffer): void {
    if (this.socket.destroyed) return;
    if (this.socket.writableLength > MAX_UNREAD_BYTES) {
      this.options.log("dropping a client that reads nothing of what it is sent");
      this.socket.destroy();
      return;
    }
    // replies finished in the same turn of the event loop leave in one write (one syscall)
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(encodeMessage(header, payload));
  }

  private corked = false;

  private sendEvent<T>(proc: number, codec: Codec<T>, msg: T): void {
    const w = new XdrWriter();
    codec.encode(w, msg);
    this.write({ prog: REMOTE_PROGRAM, vers: PROTOCOL_VERSION, proc, type: MessageType.MESSAGE, serial: 0, status: MessageStatus.OK }, w.bytes());
  }

  // ---- streams --------------------------------------------------------------------------------

  /** Work to do once a call's reply is on its way (a stream's data must follow its reply). */
  private readonly afterReply = new Map<number, () => void>();

  /** Carries `stream` under the call's serial once the call has been answered. */
  attachStream(serial: number, proc: number, stream: Duplex): void {
    this.streams.set(serial, stream);
    const header = { prog: REMOTE_PROGRAM, vers: PROTOCOL_VERSION, proc, type: MessageType.STREAM, serial };
    this.afterReply.set(serial, () => {
      stream.on("data", (chunk: Buffer) => {
        for (let at = 0; at < chunk.length; at += VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX) {
          this.write({ ...header, status: MessageStatus.CONTINUE }, chunk.subarray(at, at + VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX));
        }
      });
      stream.on("end", () => {
        if (this.streams.delete(serial)) this.write({ ...header, status: MessageStatus.OK });
      });
      stream.on("error", (e) => {
        if (this.streams.delete(serial)) this.write({ ...header, status: MessageStatus.ERROR }, errorPayload(e));
      });
    });
  }

  /** Data, the end (OK) or an abort (ERROR) from the client on one of its streams. */
  private streamData(header: MessageHeader, payload: Buffer): void {
    const stream = this.streams.get(header.serial);
    if (!stream) return;
    if (header.status === MessageStatus.CONTINUE) {
      stream.write(payload);
      return;
    }
    this.streams.delete(header.serial);
    stream.end();
    stream.destroy();
    if (header.status === MessageStatus.OK) this.write({ ...header, status: MessageStatus.OK });
    else this.write({ ...header, status: MessageStatus.ERROR }, errorPayload(rpcError("stream aborted at client request")));
  }

  // ---- the end --------------------------------------------------------------------------------

  private disposed = false;

  /** The socket closed: whatever the client held is released. */
  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.closeConnection().catch((e) => this.options.log(`closing a client's connection: ${(e as Error).message}`));
  }

  /** Ends the client (the daemon stops). */
  async end(): Promise<void> {
    this.socket.end();
    this.socket.destroy();
    this.disposed = true;
    await this.closeConnection();
  }
}
