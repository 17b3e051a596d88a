// The control socket's exchanges as docs/control-protocol.md gives them, for the conformance test
// (test/drivers/control-protocol.test.ts) to run against each implementation: the container
// supervisor, the VMM's control server, and a scripted stand-in for the driver's client.
import { rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import type { ExecutionContext } from "ava";
import { tempDir } from "./temp.js";

/** Who serves a domain's control socket. */
export type Implementation = "supervisor" | "vmm";
export const IMPLEMENTATIONS: readonly Implementation[] = ["supervisor", "vmm"];

/**
 * A connection's bytes and the reply each implementation gives, up to its close ("" when it
 * closes saying nothing); `<N>` stands for a decimal number. halfClose: the client ends its
 * side after sending (it never sends a newline).
 */
export interface Exchange {
  what: string;
  send: string;
  halfClose?: boolean;
  reply: Record<Implementation, string>;
}

/** Commands that leave the domain running, in the order the test sends them (spec: "Commands"). */
export const COMMANDS: readonly Exchange[] = [
  { what: "an unknown command", send: "frobnicate\n", reply: { supervisor: "error unknown command\n", vmm: "error unknown command frobnicate\n" } },
  { what: "an empty line", send: "\n", reply: { supervisor: "error unknown command\n", vmm: "error unknown command \n" } },
  { what: "a command without its newline", send: "frobnicate", halfClose: true, reply: { supervisor: "error unknown command\n", vmm: "" } },
  { what: "status", send: "status\n", reply: { supervisor: "init <N>\n", vmm: "error unknown command status\n" } },
  { what: "shutdown with a signal (lxc:///)", send: "shutdown 15\n", reply: { supervisor: "", vmm: "ok\n" } },
  { what: "shutdown (kvm:///)", send: "shutdown\n", reply: { supervisor: "error unknown command\n", vmm: "ok\n" } },
  { what: "reboot", send: "reboot\n", reply: { supervisor: "", vmm: "ok\n" } },
  { what: "suspend", send: "suspend\n", reply: { supervisor: "error unknown command\n", vmm: "ok\n" } },
  { what: "resume", send: "resume\n", reply: { supervisor: "error unknown command\n", vmm: "ok\n" } },
  { what: "reset", send: "reset\n", reply: { supervisor: "error unknown command\n", vmm: "ok\n" } },
];

/** Whether a reply is the one the table gives (`<N>` matching any decimal number). */
export function isReply(reply: string, expected: string): boolean {
  const pattern = expected.split("<N>").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${pattern.join("\\d+")}$`).test(reply);
}

/** A reply as a scripted process gives it: `<N>` becomes a number. */
export function sampleReply(expected: string): string {
  return expected.replaceAll("<N>", "42");
}

/** Sends an exchange's bytes on a new connection; resolves with all it got back by its close. */
export function exchange(socketPath: string, send: string, halfClose = false): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = "";
    const s = connect(socketPath, () => (halfClose ? s.end(send) : s.write(send)));
    s.setEncoding("utf8");
    s.on("data", (d: string) => (reply += d));
    s.on("close", () => resolve(reply));
    s.on("error", reject);
  });
}

/** A console connection: what the domain's process sent so far, and waits for more of it. */
export class ConsoleClient {
  received = "";
  readonly closed: Promise<void>;
  private readonly waiters: { text: string; found: () => void }[] = [];

  private constructor(readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.received += d;
      for (const w of this.waiters.filter((w) => this.received.includes(w.text))) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.found();
      }
    });
    this.closed = new Promise((resolve) => socket.on("close", () => resolve()));
  }

  /** Connects and sends the command line (and any bytes after it in the same write). */
  static open(socketPath: string, bytes: string): Promise<ConsoleClient> {
    return new Promise((resolve, reject) => {
      const s = connect(socketPath, () => {
        s.off("error", reject);
        s.write(bytes);
        resolve(new ConsoleClient(s));
      });
      s.on("error", reject);
    });
  }

  /** Resolves once the connection has carried `text` (the test's timeout bounds the wait). */
  until(text: string): Promise<void> {
    if (this.received.includes(text)) return Promise.resolve();
    return new Promise((found) => this.waiters.push({ text, found }));
  }
}

/** A stand-in for a domain's process: a control socket that does `serve` with each client. */
export async function scriptedProcess(t: ExecutionContext, serve: (client: Socket) => void): Promise<string> {
  const dir = tempDir("virtkit-control-test", "/tmp");
  const path = join(dir, "sock");
  const clients: Socket[] = [];
  const server: Server = createServer((client) => {
    clients.push(client);
    serve(client);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.teardown(() => {
    clients.forEach((c) => c.destroy());
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return path;
}
