// libvirt's RPC framing and XDR, byte for byte against messages a real virsh exchanges
// (../shared/reference/libvirt-rpc.md's worked examples), and the limits a hostile peer meets.
import test from "ava";
import { decodeMessage, encodeMessage, MessageReader, MessageStatus, MessageType, REMOTE_PROGRAM } from "../../src/rpc/message.js";
import { XdrReader, XdrWriter } from "../../src/rpc/xdr.js";
import { ErrorNumber, VirtError } from "../../src/index.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const call = (proc: number, serial: number) => ({ prog: REMOTE_PROGRAM, vers: 1, proc, type: MessageType.CALL, serial, status: MessageStatus.OK });

test("calls as virsh sends them: AUTH_LIST, SUPPORTS_FEATURE(10), CONNECT_OPEN", (t) => {
  t.deepEqual(encodeMessage(call(66, 0)), hex("0000001c 20008086 00000001 00000042 00000000 00000000 00000000"));
  t.deepEqual(encodeMessage(call(60, 1), new XdrWriter().int(10).bytes()), hex("00000020 20008086 00000001 0000003c 00000000 00000001 00000000 0000000a"));
  const open = new XdrWriter().optional("test:///default", (w, s) => w.string(s)).uint(0).bytes();
  t.deepEqual(encodeMessage(call(1, 2), open), hex("00000038 20008086 00000001 00000001 00000000 00000002 00000000 00000001 0000000f 74657374 3a2f2f2f 64656661 756c7400 00000000"));
});

test("a payload written in place is the same message; raw bytes go unpadded; too long is refused", (t) => {
  const open = (w: XdrWriter) => w.optional("test:///default", (w, s) => w.string(s)).uint(0);
  t.deepEqual(encodeMessage(call(1, 2), open), encodeMessage(call(1, 2), open(new XdrWriter()).bytes()));
  // a stream's data is any number of bytes: the length word counts them exactly
  t.deepEqual(encodeMessage(call(1, 2), hex("616263")), hex("0000001f 20008086 00000001 00000001 00000000 00000002 00000000 616263"));
  const big = "x".repeat(4_000_000);
  const error = t.throws(() => encodeMessage(call(1, 3), (w) => Array.from({ length: 9 }, () => w.string(big))), { instanceOf: VirtError });
  t.is(error?.code, ErrorNumber.VIR_ERR_RPC);
});

test("a LOOKUP_BY_NAME reply decodes to its domain: name, UUID, id", (t) => {
  const bytes = hex("00000038 20008086 00000001 00000017 00000001 00000007 00000000 00000004 74657374 6695eb01 f6a48304 79aa97f2 502e193f 00000001");
  const [m] = new MessageReader().push(bytes);
  t.deepEqual(m.header, { prog: REMOTE_PROGRAM, vers: 1, proc: 23, type: MessageType.REPLY, serial: 7, status: MessageStatus.OK });
  const r = new XdrReader(m.payload);
  t.is(r.string(), "test");
  t.is(r.fixedOpaque(16).toString("hex"), "6695eb01f6a4830479aa97f2502e193f");
  t.is(r.int(), 1);
  t.notThrows(() => r.end("lookup reply"));
});

test("a stream cut anywhere yields the same messages, in order", (t) => {
  const wire = Buffer.concat([encodeMessage(call(66, 0)), encodeMessage(call(60, 1), new XdrWriter().int(10).bytes()), encodeMessage(call(2, 2))]);
  for (const size of [1, 3, 5, 17, wire.length]) {
    const reader = new MessageReader();
    const got = [];
    for (let at = 0; at < wire.length; at += size) got.push(...reader.push(wire.subarray(at, at + size)));
    t.deepEqual(got.map((m) => [m.header.proc, m.header.serial, m.payload.length]), [[66, 0, 0], [60, 1, 4], [2, 2, 0]], `chunks of ${size}`);
  }
});

test("lengths over the limits are refused before anything is buffered or allocated", (t) => {
  const tooLong = new MessageReader();
  const e = t.throws(() => tooLong.push(hex("02000005")), { instanceOf: VirtError }) as VirtError;
  t.is(e.code, ErrorNumber.VIR_ERR_RPC);
  t.throws(() => tooLong.push(hex("00")), { message: /broken/ }, "a broken stream stays broken");
  t.throws(() => new MessageReader().push(hex("00000004")), { instanceOf: VirtError }, "shorter than a header");
  // a string or array whose count the message cannot hold: refused before reading on
  t.throws(() => new XdrReader(hex("7fffffff")).string(), { message: /over the limit/ });
  t.throws(() => new XdrReader(hex("00000010 61626364")).string(), { message: /ends 12 bytes early/ });
  t.throws(() => new XdrReader(hex("00100000")).array(16384, (r) => r.int()), { message: /over the limit of 16384/ });
  t.throws(() => new XdrReader(hex("00000100 00000000")).array(16384, (r) => r.int()), { message: /ends early/ });
  t.throws(() => new XdrReader(hex("00000002")).optional((r) => r.int()), { message: /optional data marked 2/ });
  t.throws(() => decodeMessage(Buffer.alloc(10)), { message: /shorter than its header/ });
});

test("every XDR type reads back what was written", (t) => {
  const w = new XdrWriter(4)
    .int(-5)
    .uint(0xfffffffe)
    .bool(true)
    .hyper(-(2n ** 62n))
    .uhyper(2n ** 64n - 1n)
    .double(1.5)
    .opaque(Buffer.from([1, 2, 3]))
    .string("é✓")
    .optional(null, (x, v: number) => x.int(v))
    .array([1, 2, 3], (x, v) => x.int(v));
  t.is(w.length % 4, 0, "everything padded to 4 bytes");
  const r = new XdrReader(w.bytes());
  t.deepEqual([r.int(), r.uint(), r.bool(), r.hyper(), r.uhyper(), r.double()], [-5, 0xfffffffe, true, -(2n ** 62n), 2n ** 64n - 1n, 1.5]);
  t.deepEqual([...r.opaque(16)], [1, 2, 3]);
  t.is(r.string(), "é✓");
  t.is(r.optional((x) => x.int()), null);
  t.deepEqual(r.array(16, (x) => x.int()), [1, 2, 3]);
  t.notThrows(() => r.end("all"));
});
