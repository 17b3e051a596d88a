// The remote driver's keepalive (virConnectSetKeepAlive): against a daemon that answers the
// start-up calls and then falls silent, PINGs go unanswered and the connection is closed; the
// call left waiting fails with libvirt's reason, and isAlive() turns false.
import test from "ava";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { openConnection } from "../../src/index.js";
import { encodeMessage, MessageReader, MessageStatus, MessageType, REMOTE_PROGRAM } from "../../src/rpc/message.js";
import { RemoteProc, remote_auth_list_ret, remote_connect_get_type_ret } from "../../src/rpc/remote-protocol.gen.js";
import { XdrWriter } from "../../src/rpc/xdr.js";
import { tempDir } from "../support/temp.js";

/** A daemon that answers AUTH_LIST, CONNECT_OPEN and CONNECT_GET_TYPE, then nothing at all. */
function silentAfterOpen(path: string): Promise<() => void> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    const reader = new MessageReader();
    socket.on("data", (chunk) => {
      for (const { header } of reader.push(chunk)) {
        if (header.prog !== REMOTE_PROGRAM) continue; // PINGs go unanswered
        const w = new XdrWriter();
        if (header.proc === RemoteProc.AUTH_LIST) remote_auth_list_ret.encode(w, { types: [0] });
        else if (header.proc === RemoteProc.CONNECT_GET_TYPE) remote_connect_get_type_ret.encode(w, { type: "TEST" });
        else if (header.proc !== RemoteProc.CONNECT_OPEN) continue; // silence
        socket.write(encodeMessage({ ...header, type: MessageType.REPLY, status: MessageStatus.OK }, w.bytes()));
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(path, () =>
      resolve(() => {
        sockets.forEach((s) => s.destroy());
        server.close();
      }),
    ),
  );
}

test("a daemon that stops answering is given up after interval × count seconds", async (t) => {
  const path = join(tempDir("virtkit-keepalive"), "sock");
  const stop = await silentAfterOpen(path);
  t.teardown(stop);
  const conn = await openConnection(`test+unix:///default?socket=${path}`);
  t.true(conn.isAlive());
  await conn.setKeepAlive(1, 1);
  const waiting = conn.lookupByName("test");
  await t.throwsAsync(waiting, { message: "internal error: connection closed due to keepalive timeout" });
  t.false(conn.isAlive());
});

test("keepalive is only for remote connections, as libvirt's local drivers lack it", async (t) => {
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  await t.throwsAsync(conn.setKeepAlive(5, 6), { message: "this function is not supported by the connection driver: virConnectSetKeepAlive" });
});
