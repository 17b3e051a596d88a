// What an RpcClient talks over: a byte stream, and the place its bytes arrive. Most streams hand
// them over as 'data' events. A socket made by socketChannel() hands each read to the listener
// straight from one read buffer of its own (net's `onread`), skipping the readable stream's
// bookkeeping: a few microseconds a read, which is much of what one call at a time costs Node.
import { connect, type NetConnectOpts, type Socket } from "node:net";
import type { Duplex } from "node:stream";

export interface ByteChannel {
  readonly stream: Duplex;
  /** Sets the one listener the bytes read go to, in order. */
  onBytes(listener: (chunk: Buffer) => void): void;
}

/** A stream whose bytes come as 'data' events (TLS, a child's pipes). */
export function streamChannel(stream: Duplex): ByteChannel {
  return { stream, onBytes: (listener) => void stream.on("data", listener) };
}

const READ_BUFFER_BYTES = 64 * 1024;

/** A unix or TCP socket being connected, its reads going to the listener. */
export function socketChannel(options: NetConnectOpts): ByteChannel & { stream: Socket } {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const early: Buffer[] = []; // read before anyone listened (a peer that speaks first)
  let listener: (chunk: Buffer) => void = (chunk) => void early.push(chunk);
  // the buffer is reused by the next read, so what is read is copied out of it; true: read on
  const callback = (n: number) => {
    listener(Buffer.from(buffer.subarray(0, n)));
    return true;
  };
  const stream = connect({ ...options, onread: { buffer, callback } });
  return {
    stream,
    onBytes(next) {
      listener = next;
      for (const chunk of early.splice(0)) next(chunk);
    },
  };
}
