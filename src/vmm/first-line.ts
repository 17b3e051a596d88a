// The first line a client sends on a VMM process's sockets: a control command (control-server.ts)
// or a spare's claim (spare-process.ts). What follows it on the same connection is kept.
import type { Socket } from "node:net";

/** Hands a client's first line (and the bytes after it) to `then`; a client that errs is dropped. */
export function onFirstLine(client: Socket, then: (line: string, rest: Buffer) => void): void {
  let line = "";
  const onData = (chunk: Buffer) => {
    line += chunk.toString("latin1");
    const nl = line.indexOf("\n");
    if (nl < 0) return;
    client.off("data", onData);
    then(line.slice(0, nl), Buffer.from(line.slice(nl + 1), "latin1"));
  };
  client.on("data", onData);
  client.on("error", () => client.destroy());
}
