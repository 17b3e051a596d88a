// The byte channels an RpcClient reads from: a socket's own read buffer (onread) hands out copies,
// in order, including what a peer said before anyone listened.
import test from "ava";
import { createServer, type AddressInfo } from "node:net";
import { socketChannel } from "../../src/rpc/channel.js";

test("a socket channel keeps what arrives before the listener, copies each read, keeps order", async (t) => {
  const server = createServer((peer) => peer.end(Buffer.concat([Buffer.from("first"), Buffer.alloc(100_000, 1), Buffer.from("last")])));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => server.close());
  const channel = socketChannel({ port: (server.address() as AddressInfo).port, host: "127.0.0.1" });
  await new Promise((resolve) => channel.stream.once("end", resolve)); // everything read, no listener yet
  const chunks: Buffer[] = [];
  channel.onBytes((chunk) => chunks.push(chunk));
  const all = Buffer.concat(chunks);
  t.is(all.length, 5 + 100_000 + 4);
  // later reads reuse the socket's buffer: "first" survives only because each read was copied out
  t.true(chunks.length > 1, "more than one read of the socket's 64 KiB buffer");
  t.is(all.subarray(0, 5).toString(), "first");
  t.is(all.subarray(-4).toString(), "last");
});
