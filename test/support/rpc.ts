// Talking to virtkitd in tests at the protocol's level: a socket, and an RpcClient on it.
import { connect, type Socket } from "node:net";
import { streamChannel } from "../../src/rpc/channel.js";
import { RpcClient } from "../../src/rpc/client.js";

export function socketTo(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path, () => resolve(s));
    s.once("error", reject);
  });
}

/** An RpcClient on the daemon's socket at `path`, with `uri` opened (null: nothing opened yet). */
export async function rpcClient(path: string, uri: string | null): Promise<RpcClient> {
  const c = new RpcClient(streamChannel(await socketTo(path)));
  if (uri !== null) await c.call("CONNECT_OPEN", { name: uri, flags: 0 });
  return c;
}
