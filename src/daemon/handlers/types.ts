// What a procedure's handler is given: the client it serves (its connection, events, streams)
// and the call's decoded arguments; it answers the reply's value or throws a VirtError.
import type { RemoteCalls } from "../../rpc/remote-protocol.gen.js";
import type { DaemonClient } from "../client.js";

export type Handler<K extends keyof RemoteCalls> = (client: DaemonClient, args: RemoteCalls[K]["args"], serial: number) => RemoteCalls[K]["ret"] | Promise<RemoteCalls[K]["ret"]>;

/** Handlers by procedure name (RemoteProc's keys); a procedure with none is "not supported". */
export type Handlers = { [K in keyof RemoteCalls]?: Handler<K> };
