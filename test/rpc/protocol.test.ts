// The generated protocol: current with its generator, its codecs byte for byte against messages
// a real virsh exchanges, and the .x files' bounds enforced on decode.
import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import * as P from "../../src/rpc/remote-protocol.gen.js";
import { XdrReader, XdrWriter } from "../../src/rpc/xdr.js";
import type { Codec } from "../../src/rpc/codec.js";
import { ErrorNumber, VirtError } from "../../src/index.js";
// @ts-expect-error: a plain JavaScript build script
import { CACHE, generate, OUTPUT, readSources } from "../../scripts/rpc/gen-protocol.mjs";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const encode = <T>(c: Codec<T>, v: T) => {
  const w = new XdrWriter();
  c.encode(w, v);
  return w.bytes();
};
const decode = <T>(c: Codec<T>, bytes: Buffer) => {
  const r = new XdrReader(bytes);
  const v = c.decode(r);
  r.end("test value");
  return v;
};

const haveSources = existsSync(`${CACHE}remote_protocol.x`);
const currentTitle = "the committed protocol is what the generator writes from libvirt 9.0.0's .x files";
(haveSources ? test : test.skip)(haveSources ? currentTitle : `${currentTitle} (needs scripts/rpc/fetch-protocol.sh)`, (t) => {
  t.is(readFileSync(OUTPUT, "utf8"), generate(readSources()));
});

test("libvirt 9.0's procedure table: 443 procedures numbered 1..443, with their codecs and annotations", (t) => {
  t.is(P.REMOTE_PROCEDURES.size, 443);
  t.deepEqual([...P.REMOTE_PROCEDURES.keys()], Array.from({ length: 443 }, (_, i) => i + 1));
  const info = P.REMOTE_PROCEDURES.get(P.RemoteProc.DOMAIN_GET_INFO)!;
  t.is(info.name, "DOMAIN_GET_INFO");
  t.is(info.args, P.remote_domain_get_info_args);
  t.is(info.ret, P.remote_domain_get_info_ret);
  t.deepEqual(info.acl, ["domain:read"]);
  const console = P.REMOTE_PROCEDURES.get(201)!;
  t.is(console.name, "DOMAIN_OPEN_CONSOLE");
  t.is(console.readstream, 2);
  t.is(P.REMOTE_PROCEDURES.get(P.RemoteProc.DOMAIN_EVENT_CALLBACK_LIFECYCLE)!.msg, P.remote_domain_event_callback_lifecycle_msg);
  t.is(P.REMOTE_PROCEDURES.get(P.RemoteProc.CONNECT_OPEN)!.priority, "high");
  t.deepEqual(P.KeepaliveProc, { PING: 1, PONG: 2 });
  t.is(P.REMOTE_PROGRAM, 0x20008086);
  t.is(P.VIR_NET_MESSAGE_MAX, 33554432);
});

test("CONNECT_OPEN's arguments and a LOOKUP_BY_NAME reply, as virsh's messages carry them", (t) => {
  t.deepEqual(encode(P.remote_connect_open_args, { name: "test:///default", flags: 0 }), hex("00000001 0000000f 74657374 3a2f2f2f 64656661 756c7400 00000000"));
  const reply = decode(P.remote_domain_lookup_by_name_ret, hex("00000004 74657374 6695eb01 f6a48304 79aa97f2 502e193f 00000001"));
  t.is(reply.dom.name, "test");
  t.is(reply.dom.uuid.toString("hex"), "6695eb01f6a4830479aa97f2502e193f");
  t.is(reply.dom.id, 1);
});

test("an error reply: code, domain, message, level, then eight empty words", (t) => {
  const error: P.remote_error = { code: 42, domain: 12, message: "Domain not found", level: 2, dom: null, str1: null, str2: null, str3: null, int1: 0, int2: 0, net: null };
  const bytes = encode(P.remote_error, error);
  t.deepEqual(bytes, hex("0000002a 0000000c 00000001 00000010 446f6d61696e206e6f7420666f756e64 00000002" + "00000000".repeat(7)));
  t.deepEqual(decode(P.remote_error, bytes), error);
});

test("typed parameters round-trip every type; an unknown type is refused", (t) => {
  const params: P.remote_typed_param[] = [
    { field: "weight", value: { type: 2, ui: 50 } },
    { field: "limit", value: { type: 3, l: -5n } },
    { field: "period", value: { type: 4, ul: 1n << 40n } },
    { field: "ratio", value: { type: 5, d: 0.5 } },
    { field: "on", value: { type: 6, b: 1 } },
    { field: "name", value: { type: 7, s: "x" } },
  ];
  const codec = P.remote_domain_get_scheduler_parameters_ret;
  t.deepEqual(decode(codec, encode(codec, { params })).params, params);
  const unknown = hex("00000001 00000001 78000000 00000009 00000000");
  t.throws(() => decode(codec, unknown), { instanceOf: VirtError, message: /union case 9/ });
});

test("fixed char arrays take a word per element: NODE_GET_INFO's model is 128 bytes", (t) => {
  const model = [..."x86_64"].map((c) => c.charCodeAt(0)).concat(Array(26).fill(0));
  const bytes = encode(P.remote_node_get_info_ret, { model, memory: 1024n, cpus: 2, mhz: 0, nodes: 1, sockets: 1, cores: 2, threads: 1 });
  t.is(bytes.length, 128 + 8 + 6 * 4);
  t.is(bytes.readInt32BE(0), "x".charCodeAt(0));
});

test("bounds from the .x files are enforced on decode, before allocation", (t) => {
  // AUTH_LIST's reply holds at most REMOTE_AUTH_TYPE_LIST_MAX (20) types
  const over = new XdrWriter().uint(21).bytes();
  const e = t.throws(() => decode(P.remote_auth_list_ret, over), { instanceOf: VirtError });
  t.is(e!.code, ErrorNumber.VIR_ERR_RPC);
  t.regex(e!.message, /21 elements is over the limit of 20/);
  // a security model is at most 257 chars
  t.throws(() => decode(P.remote_node_get_security_model_ret, new XdrWriter().uint(258).bytes()), { message: /over the limit of 257/ });
  // a domain list's count larger than the message can hold is refused without reading on
  t.throws(() => decode(P.remote_connect_list_all_domains_ret, new XdrWriter().uint(16384).bytes()), { message: /ends early/ });
  // encoding refuses what the peer would refuse
  t.throws(() => encode(P.remote_auth_list_ret, { types: Array(21).fill(0) }), { message: /over the limit of 20/ });
});
