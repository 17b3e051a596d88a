// virtkitd under clients that misbehave or crowd it: garbage, oversized or truncated messages,
// unknown procedures, calls before CONNECT_OPEN, 64 clients with calls in flight, a client that
// never reads, one that leaves mid-call; and the read-only socket.
import test from "ava";
import type { Socket } from "node:net";
import { join } from "node:path";
import { Daemon } from "../../src/daemon/server.js";
import { RpcClient } from "../../src/rpc/client.js";
import { encodeMessage, MessageReader, MessageStatus, MessageType, REMOTE_PROGRAM } from "../../src/rpc/message.js";
import { RemoteProc } from "../../src/rpc/remote-protocol.gen.js";
import { ErrorNumber, VirtError } from "../../src/index.js";
import { needsRoot, testIf } from "../support/gated.js";
import { rpcClient, socketTo } from "../support/rpc.js";
import { tempDir } from "../support/temp.js";

const socketDir = tempDir("vkd");
const rw = join(socketDir, "libvirt-sock");
const ro = join(socketDir, "libvirt-sock-ro");
let daemon: Daemon;

test.before(async () => {
  daemon = await Daemon.start({ socketDir, defaultURI: "test:///default" });
});
test.after.always(() => daemon.stop());

const client = (path = rw, uri: string | null = "test:///default"): Promise<RpcClient> => rpcClient(path, uri);

/** Resolves when the daemon has closed the socket. */
const closed = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once("close", () => resolve())));

/** A client on test:///default still gets answers (the daemon is alive and well). */
async function stillServes(t: import("ava").ExecutionContext): Promise<void> {
  const c = await client();
  t.is((await c.call("DOMAIN_LOOKUP_BY_NAME", { name: "test" })).dom.id, 1);
  c.close();
}

test("the sockets have libvirt's names and modes: read-write 0600, read-only 0666", async (t) => {
  const { statSync } = await import("node:fs");
  t.is(statSync(rw).mode & 0o777, 0o600);
  t.is(statSync(ro).mode & 0o777, 0o666);
});

test("a second daemon on the same directory is refused while the first runs", async (t) => {
  await t.throwsAsync(Daemon.start({ socketDir }), { message: /already listens/ });
  await stillServes(t);
});

test("the start-up calls virsh makes: AUTH_LIST, feature probes, CONNECT_OPEN, CONNECT_CLOSE", async (t) => {
  const c = await client(rw, null);
  t.deepEqual(await c.call("AUTH_LIST", undefined), { types: [0] });
  t.deepEqual(await c.call("CONNECT_SUPPORTS_FEATURE", { feature: 10 }), { supported: 1 });
  await c.call("CONNECT_OPEN", { name: "test:///default", flags: 0 });
  t.deepEqual(await c.call("CONNECT_SUPPORTS_FEATURE", { feature: 14 }), { supported: 1 });
  t.deepEqual(await c.call("CONNECT_SUPPORTS_FEATURE", { feature: 15 }), { supported: 0 });
  t.deepEqual(await c.call("CONNECT_GET_TYPE", undefined), { type: "TEST" });
  await c.call("CONNECT_CLOSE", undefined);
  c.close();
});

test("libvirtd's errors: unknown procedure, unsupported procedure, not open, already open", async (t) => {
  const raw = await socketTo(rw);
  const reader = new MessageReader();
  const replies: { status: number; payload: Buffer }[] = [];
  const want = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => replies.length >= n && resolve();
      raw.on("data", (chunk) => {
        for (const m of reader.push(chunk)) replies.push({ status: m.header.status, payload: m.payload });
        check();
      });
    });
  const got = want(1);
  raw.write(encodeMessage({ prog: REMOTE_PROGRAM, vers: 1, proc: 9999, type: MessageType.CALL, serial: 5, status: MessageStatus.OK }));
  await got;
  t.is(replies[0].status, MessageStatus.ERROR);
  t.regex(replies[0].payload.toString("latin1"), /unknown procedure: 9999/);
  raw.destroy();

  const c = await client(rw, null);
  const notOpen = await t.throwsAsync(c.call("CONNECT_GET_HOSTNAME", undefined), { instanceOf: VirtError });
  t.is(notOpen!.message, "internal error: connection not open");
  await c.call("CONNECT_OPEN", { name: "test:///default", flags: 0 });
  await t.throwsAsync(c.call("CONNECT_OPEN", { name: "test:///default", flags: 0 }), { message: "internal error: connection already open" });
  const unsupported = await t.throwsAsync(c.call("DOMAIN_MIGRATE_PERFORM", { dom: { name: "test", uuid: Buffer.alloc(16), id: 1 }, cookie: Buffer.alloc(0), uri: "x", flags: 0n, dname: null, resource: 0n }), { instanceOf: VirtError });
  t.is(unsupported!.code, ErrorNumber.VIR_ERR_NO_SUPPORT);
  t.is(unsupported!.message, "this function is not supported by the connection driver: virDomainMigratePerform");
  c.close();
});

test("garbage, an oversized length and a truncated message drop only that client", async (t) => {
  const garbage = await socketTo(rw);
  garbage.write(Buffer.from("GET / HTTP/1.1\r\n\r\n"));
  await closed(garbage);
  const huge = await socketTo(rw);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(64 * 1024 * 1024);
  huge.write(length);
  await closed(huge);
  const truncated = await socketTo(rw);
  truncated.end(encodeMessage({ prog: REMOTE_PROGRAM, vers: 1, proc: RemoteProc.AUTH_LIST, type: MessageType.CALL, serial: 0, status: MessageStatus.OK }).subarray(0, 10));
  await closed(truncated);
  await stillServes(t);
});

test("a client that leaves with a call in flight does not disturb the daemon", async (t) => {
  const c = await client();
  const call = c.call("CONNECT_LIST_ALL_DOMAINS", { need_results: 1, flags: 3 });
  c.close();
  await t.throwsAsync(call);
  await stillServes(t);
});

test("64 clients, each with 20 calls in flight, all answered by serial", async (t) => {
  const clients = await Promise.all(Array.from({ length: 64 }, () => client()));
  const answers = await Promise.all(clients.map((c) => Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? c.call("DOMAIN_LOOKUP_BY_ID", { id: 1 }) : c.call("CONNECT_GET_HOSTNAME", undefined))))));
  for (const list of answers) {
    list.forEach((a, i) => (i % 2 ? t.is((a as { dom: { name: string } }).dom.name, "test") : t.is(typeof (a as { hostname: string }).hostname, "string")));
  }
  t.is(daemon.clientCount >= 64, true);
  clients.forEach((c) => c.close());
});

test("a client that never reads its replies does not stall another", async (t) => {
  const slow = await socketTo(rw);
  slow.pause();
  const open = encodeMessage({ prog: REMOTE_PROGRAM, vers: 1, proc: RemoteProc.CONNECT_OPEN, type: MessageType.CALL, serial: 0, status: MessageStatus.OK }, Buffer.from("000000010000000f746573743a2f2f2f64656661756c740000000000", "hex"));
  slow.write(open);
  const capabilities = encodeMessage({ prog: REMOTE_PROGRAM, vers: 1, proc: RemoteProc.CONNECT_GET_CAPABILITIES, type: MessageType.CALL, serial: 1, status: MessageStatus.OK });
  for (let i = 0; i < 2000; i++) slow.write(capabilities);
  await stillServes(t);
  slow.destroy();
});

test("the read-only socket refuses every change, with libvirt's error", async (t) => {
  const c = await client(ro);
  const dom = (await c.call("DOMAIN_LOOKUP_BY_NAME", { name: "test" })).dom;
  const e = await t.throwsAsync(c.call("DOMAIN_DESTROY", { dom }), { instanceOf: VirtError });
  t.is(e!.code, ErrorNumber.VIR_ERR_OPERATION_DENIED);
  t.is(e!.message, "operation forbidden: read only access prevents virDomainDestroy");
  t.is((await c.call("DOMAIN_GET_STATE", { dom, flags: 0 })).state, 1);
  c.close();
});

test("keepalive: a PING is answered with a PONG", async (t) => {
  const raw = await socketTo(rw);
  const reader = new MessageReader();
  const pong = new Promise<number>((resolve) => raw.on("data", (chunk) => reader.push(chunk).forEach((m) => resolve(m.header.proc))));
  raw.write(encodeMessage({ prog: 0x6b656570, vers: 1, proc: 1, type: MessageType.MESSAGE, serial: 0, status: MessageStatus.OK }));
  t.is(await pong, 2);
  raw.destroy();
});

testIf(needsRoot("the KVM driver"))("qemu:///system is kvm:///system under libvirt's name for it", async (t) => {
  const { kvmTestNode } = await import("../support/hosted.js");
  kvmTestNode("virtkit-daemon-qemu");
  const c = await client(rw, "qemu:///system");
  t.deepEqual(await c.call("CONNECT_GET_TYPE", undefined), { type: "QEMU" });
  t.deepEqual(await c.call("CONNECT_GET_URI", undefined), { uri: "qemu:///system" });
  t.is((await c.call("CONNECT_LIST_ALL_DOMAINS", { need_results: 1, flags: 3 })).ret, 0);
  c.close();
});
