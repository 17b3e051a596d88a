// libvirt's RPC messages on a stream socket: a 4-byte big-endian length (counting itself), a
// 24-byte header (program, version, procedure, type, serial, status) and an XDR payload, at most
// 32 MiB (virnetprotocol.x). MessageReader cuts a byte stream into messages, refusing a length
// over the limit before it buffers the message.
import { KEEPALIVE_PROGRAM, REMOTE_PROGRAM, VIR_NET_MESSAGE_HEADER_MAX, VIR_NET_MESSAGE_MAX, type virNetMessageHeader } from "./remote-protocol.gen.js";
import { rpcError, XdrReader, XdrWriter } from "./xdr.js";

/** Programs (the header's first word), and the one version each has. */
export { KEEPALIVE_PROGRAM, REMOTE_PROGRAM };
export const PROTOCOL_VERSION = 1;

/** virNetMessageType. */
export const MessageType = { CALL: 0, REPLY: 1, MESSAGE: 2, STREAM: 3, CALL_WITH_FDS: 4, REPLY_WITH_FDS: 5, STREAM_HOLE: 6 } as const;
/** virNetMessageStatus. */
export const MessageStatus = { OK: 0, ERROR: 1, CONTINUE: 2 } as const;

/** VIR_NET_MESSAGE_MAX: a message's bytes after its length word. */
export const MESSAGE_MAX = VIR_NET_MESSAGE_MAX;
const HEADER_BYTES = VIR_NET_MESSAGE_HEADER_MAX;

export type MessageHeader = virNetMessageHeader;

export interface Message {
  header: MessageHeader;
  payload: Buffer;
}

/**
 * A whole message on the wire: length word, header, payload. The payload is bytes, or written in
 * place by `body` (one buffer for the whole message: a call costs one allocation, not three).
 */
export function encodeMessage(header: MessageHeader, body?: Uint8Array | ((w: XdrWriter) => void)): Buffer {
  const w = new XdrWriter(typeof body === "function" ? 256 : 4 + HEADER_BYTES + (body?.length ?? 0));
  w.uint(0); // the length word, written when the length is known
  w.uint(header.prog).uint(header.vers).int(header.proc).int(header.type).uint(header.serial).int(header.status);
  if (typeof body === "function") body(w);
  else if (body) w.raw(body);
  if (w.length - 4 > MESSAGE_MAX) throw rpcError(`a message of ${w.length - 4} bytes is over the limit of ${MESSAGE_MAX}`);
  const bytes = w.bytes();
  bytes.writeUInt32BE(w.length, 0);
  return bytes;
}

/** A message from its bytes after the length word. */
export function decodeMessage(body: Buffer): Message {
  if (body.length < HEADER_BYTES) throw rpcError(`a message of ${body.length} bytes is shorter than its header`);
  const r = new XdrReader(body.subarray(0, HEADER_BYTES));
  const header = { prog: r.uint(), vers: r.uint(), proc: r.int(), type: r.int(), serial: r.uint(), status: r.int() };
  return { header, payload: body.subarray(HEADER_BYTES) };
}

/**
 * Cuts a stream into messages as its bytes arrive: push() takes each chunk and returns the
 * messages it completed. A length word under 4 + 24 or over the limit is refused at once (a peer
 * never makes it buffer more than the limit), and the reader is then of no further use.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The length word of the message being gathered (0: not read yet). */
  private length = 0;
  private broken = false;

  push(chunk: Buffer): Message[] {
    if (this.broken) throw rpcError("the stream was broken by an earlier message");
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Message[] = [];
    for (;;) {
      if (this.length === 0) {
        if (this.buffered < 4) return out;
        if (this.chunks[0].length < 4) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
        const length = this.chunks[0].readUInt32BE(0);
        if (length < 4 + HEADER_BYTES || length - 4 > MESSAGE_MAX) {
          this.broken = true;
          throw rpcError(`a message length of ${length} bytes is outside ${4 + HEADER_BYTES}..${MESSAGE_MAX + 4}`);
        }
        this.length = length;
      }
      if (this.buffered < this.length) return out;
      // the chunks are joined once, when the message is whole
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
      out.push(decodeMessage(all.subarray(4, this.length)));
      const rest = all.subarray(this.length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.length = 0;
    }
  }
}
