// The calling side of libvirt's remote protocol over any byte stream (a unix or TCP socket, TLS, an
// ssh child's pipes): calls numbered from serial 0 and matched to their replies by serial, so
// many may be in flight; events (MESSAGE) handed to listeners by procedure; streams carried by
// the serial of the call that opened them; keepalive both ways.
import type { Duplex } from "node:stream";
import type { ByteChannel } from "./channel.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import type { Codec } from "./codec.js";
import { encodeMessage, KEEPALIVE_PROGRAM, MessageReader, MessageStatus, MessageType, PROTOCOL_VERSION, REMOTE_PROGRAM, type Message, type MessageHeader } from "./message.js";
import { errorFromWire } from "./objects.js";
import { KeepaliveProc, REMOTE_PROCEDURES, RemoteProc, remote_error, type RemoteCalls } from "./remote-protocol.gen.js";
import { XdrReader } from "./xdr.js";

interface Pending {
  resolve(value: unknown): void;
  reject(error: VirtError): void;
  ret: Codec<unknown>;
  name: string;
}

/** What a stream's owner hears: data, its end, or an error. */
export interface StreamSink {
  data(bytes: Buffer): void;
  end(): void;
  error(e: VirtError): void;
}

function closedError(why: string): VirtError {
  return new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_RPC, `internal error: ${why}`);
}

function decode<T>(codec: Codec<T>, payload: Buffer, what: string): T {
  const r = new XdrReader(payload);
  const value = codec.decode(r);
  r.end(what);
  return value;
}

export class RpcClient {
  private serial = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly reader = new MessageReader();
  private readonly eventListeners = new Map<number, (payload: Buffer) => void>();
  private readonly streams = new Map<number, StreamSink>();
  private closedBy: VirtError | undefined;
  private keepalive: { timer: NodeJS.Timeout; unanswered: number } | undefined;

  private readonly channel: Duplex;

  constructor(bytes: ByteChannel) {
    const channel = (this.channel = bytes.stream);
    bytes.onBytes((chunk) => this.received(chunk));
    channel.on("error", (e) => this.fail(e instanceof VirtError ? e : closedError(`client socket failed: ${e.message}`)));
    channel.on("close", () => this.fail(closedError("client socket is closed")));
  }

  /** Calls a procedure by name (RemoteProc's keys) and resolves with its decoded reply. */
  call<K extends keyof RemoteCalls>(name: K, args: RemoteCalls[K]["args"]): Promise<RemoteCalls[K]["ret"]> {
    const proc = RemoteProc[name];
    const spec = REMOTE_PROCEDURES.get(proc)!;
    if (this.closedBy) return Promise.reject(this.closedBy);
    const serial = this.serial++;
    const message = encodeMessage({ prog: REMOTE_PROGRAM, vers: PROTOCOL_VERSION, proc, type: MessageType.CALL, serial, status: MessageStatus.OK }, (w) => spec.args.encode(w, args));
    return new Promise((resolve, reject) => {
      this.pending.set(serial, { resolve: resolve as (v: unknown) => void, reject, ret: spec.ret, name });
      this.channel.write(message);
    });
  }

  /**
   * Calls a procedure that opens a stream: `sink` hears the stream's data after the reply. The
   * result's serial names the stream for sendStream().
   */
  async callWithStream<K extends keyof RemoteCalls>(name: K, args: RemoteCalls[K]["args"], sink: StreamSink): Promise<number> {
    const serial = this.serial;
    this.streams.set(serial, sink);
    try {
      await this.call(name, args);
    } catch (e) {
      this.streams.delete(serial);
      throw e;
    }
    return serial;
  }

  /** Data (CONTINUE), the end (OK) or an abort (ERROR) on a stream this client opened. */
  sendStream(serial: number, proc: number, status: number, bytes?: Buffer): void {
    if (status !== MessageStatus.CONTINUE) this.streams.delete(serial);
    this.send({ prog: REMOTE_PROGRAM, vers: PROTOCOL_VERSION, proc, type: MessageType.STREAM, serial, status }, bytes);
  }

  /** Listens to the events a procedure number carries (MESSAGE packets). */
  onEvent<T>(proc: number, codec: Codec<T>, listener: (msg: T) => void): void {
    this.eventListeners.set(proc, (payload) => listener(decode(codec, payload, `event ${proc}`)));
  }

  /**
   * libvirt's keepalive: a PING after `interval` seconds of silence from the peer; after `count`
   * PINGs without a word back, the peer is taken for dead and the connection closed.
   */
  setKeepAlive(interval: number, count: number): void {
    if (this.keepalive) clearInterval(this.keepalive.timer);
    this.keepalive = undefined;
    if (interval <= 0) return;
    const state = { timer: setInterval(() => this.keepaliveTick(count), interval * 1000), unanswered: 0 };
    state.timer.unref();
    this.keepalive = state;
  }

  private keepaliveTick(count: number): void {
    const state = this.keepalive!;
    if (state.unanswered >= count) {
      this.fail(closedError("connection closed due to keepalive timeout"));
      this.channel.destroy();
      return;
    }
    state.unanswered++;
    this.send({ prog: KEEPALIVE_PROGRAM, vers: PROTOCOL_VERSION, proc: KeepaliveProc.PING, type: MessageType.MESSAGE, serial: 0, status: MessageStatus.OK });
  }

  get isOpen(): boolean {
    return this.closedBy === undefined;
  }

  close(): void {
    this.fail(closedError("client socket is closed"));
    this.channel.end();
    this.channel.destroy();
  }

  private send(header: MessageHeader, payload?: Buffer): void {
    if (!this.closedBy) this.channel.write(encodeMessage(header, payload));
  }

  private received(chunk: Buffer): void {
    if (this.keepalive) this.keepalive.unanswered = 0;
    let messages: Message[];
    try {
      messages = this.reader.push(chunk);
    } catch (e) {
      this.fail(e as VirtError);
      this.channel.destroy();
      return;
    }
    for (const m of messages) this.handle(m);
  }

  private handle({ header, payload }: Message): void {
    if (header.prog === KEEPALIVE_PROGRAM) {
      if (header.proc === KeepaliveProc.PING && header.type === MessageType.MESSAGE) this.send({ ...header, proc: KeepaliveProc.PONG, type: MessageType.MESSAGE, serial: 0, status: MessageStatus.OK });
      return;
    }
    if (header.prog !== REMOTE_PROGRAM) return;
    if (header.type === MessageType.REPLY) return this.reply(header, payload);
    if (header.type === MessageType.MESSAGE) return this.eventListeners.get(header.proc)?.(payload);
    if (header.type === MessageType.STREAM) return this.stream(header, payload);
  }

  private reply(header: MessageHeader, payload: Buffer): void {
    const call = this.pending.get(header.serial);
    if (!call) return;
    this.pending.delete(header.serial);
    try {
      if (header.status === MessageStatus.OK) call.resolve(decode(call.ret, payload, `the reply to ${call.name}`));
      else call.reject(errorFromWire(decode(remote_error, payload, `the error from ${call.name}`)));
    } catch (e) {
      call.reject(e as VirtError);
    }
  }

  private stream(header: MessageHeader, payload: Buffer): void {
    const sink = this.streams.get(header.serial);
    if (!sink) return;
    if (header.status === MessageStatus.CONTINUE) return sink.data(payload);
    this.streams.delete(header.serial);
    if (header.status === MessageStatus.OK) return sink.end();
    try {
      sink.error(errorFromWire(decode(remote_error, payload, "a stream's error")));
    } catch (e) {
      sink.error(e as VirtError);
    }
  }

  private fail(reason: VirtError): void {
    if (this.closedBy) return;
    this.closedBy = reason;
    if (this.keepalive) clearInterval(this.keepalive.timer);
    for (const call of this.pending.values()) call.reject(reason);
    this.pending.clear();
    for (const sink of this.streams.values()) sink.error(reason);
    this.streams.clear();
  }
}
